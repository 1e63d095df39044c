/* resdir peer console: enhancements only. The console works without this file.
   - The profile form (#peer-form) posts itself to /peer/results as it changes (debounced); the
     answer, HTML the server renders with the page's own templates, replaces the results region
     (#peer-results) and its sentence (data-announce) is said in the live region (#peer-status).
   - The profile is kept in this tab's sessionStorage, so that it survives opening a listing and
     coming back; never in a cookie or an address.
   - The shortlist (#shortlist) keeps listing ids and names only, in sessionStorage, across
     profile changes; its "Make a plan" posts the ids to /peer/plan.
   - "Fit my day" (a submit button named fit_day) posts the profile the same way with fit_day=1;
     its combinations' "Put in the plan" are plain forms posting to /peer/plan.
   - The profile's group summaries and its Results link ([data-summary-of]) take the words the
     results fragment brings ([data-summary] in [data-profile-words]), or their empty text.
   - "Make a plan" in the shortlist posts the profile's mode, situation, preferences and
     languages along (PLAN_FIELDS): the plan flags trips and says what is still to ask by them.
   - "Clear everything" (#peer-clear) empties the form, the results, the shortlist and the
     storage (without this file it is a link to a blank console).
   - On the plan page, Copy ([data-copy=<textarea id>]) copies the text message and says so in
     the element "<button id>-status".
   Text from data is only ever set with textContent or as a value. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 300;
  var PROFILE_KEY = "resdir.peer.profile";
  var SHORTLIST_KEY = "resdir.peer.shortlist";
  // Fields that are not the profile: the plan ticks (the shortlist keeps those) and the one-off
  // "show them" choice.
  var NOT_PROFILE = ["plan", "show_hidden"];
  // What the form holds when cleared (every other field empty, unticked or at its empty choice).
  var BLANK = [["mode", "any"]];
  // What of the profile a plan is made with (peer.plans: trips by mode, questions still to ask).
  var PLAN_FIELDS = ["mode", "barriers", "values", "languages"];

  function load(key, fallback) {
    try {
      var value = JSON.parse(window.sessionStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (error) {
      return fallback;
    }
  }

  function keep(key, value) {
    try {
      window.sessionStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      // Storage full or refused (private mode): the page still works, it just forgets.
    }
  }

  function forget() {
    try {
      window.sessionStorage.removeItem(PROFILE_KEY);
      window.sessionStorage.removeItem(SHORTLIST_KEY);
    } catch (error) {
      // Nothing was stored.
    }
  }

  function profilePairs(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (value !== "" && NOT_PROFILE.indexOf(name) < 0) { pairs.push([name, value]); }
    });
    return pairs;
  }

  function fill(form, pairs) {
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || NOT_PROFILE.indexOf(element.name) >= 0) { return; }
      var values = pairs.filter(function (pair) { return pair[0] === element.name; })
        .map(function (pair) { return pair[1]; });
      if (element.type === "checkbox") {
        element.checked = values.indexOf(element.value) >= 0;
      } else if (element.type === "radio") {
        // A group with nothing chosen is at its empty choice ("any time").
        element.checked = values.length ? values.indexOf(element.value) >= 0 : element.value === "";
      } else if (element.tagName === "SELECT") {
        var options = Array.prototype.slice.call(element.options);
        var match = options.filter(function (option) {
          return option.value !== "" && values.indexOf(option.value) >= 0;
        })[0] || options.filter(function (option) { return option.value === ""; })[0];
        if (match) { element.selectedIndex = match.index; }
      } else if (["submit", "button", "hidden"].indexOf(element.type) < 0) {
        element.value = values.length ? values[0] : "";
      }
    });
  }

  function console_(form) {
    var region = document.getElementById("peer-results");
    var status = document.getElementById("peer-status");
    var empty = document.getElementById("peer-results-empty");
    var panel = document.getElementById("shortlist");
    var list = document.getElementById("shortlist-items");
    var row = document.getElementById("shortlist-item");
    var timer = null;
    var controller = null;
    var latest = 0;
    var clicked = null;

    function say(text) {
      status.textContent = text || "";
    }

    function shortlist() {
      return load(SHORTLIST_KEY, []);
    }

    function showShortlist() {
      var items = shortlist();
      var ids = items.map(function (item) { return item.id; });
      list.replaceChildren();
      items.forEach(function (item) {
        var entry = row.content.firstElementChild.cloneNode(true);
        var remove = entry.querySelector("[data-remove]");
        entry.querySelector(".shortlist-name").textContent = item.name;
        entry.querySelector('input[name="plan"]').value = item.id;
        remove.querySelector(".visually-hidden").textContent = ": " + item.name;
        remove.dataset.remove = item.id;
        list.appendChild(entry);
      });
      document.getElementById("shortlist-count").textContent = String(items.length);
      document.getElementById("shortlist-empty").hidden = items.length > 0;
      document.getElementById("shortlist-plan").disabled = items.length === 0;
      region.querySelectorAll('input[name="plan"][type="checkbox"]').forEach(function (box) {
        box.checked = ids.indexOf(box.value) >= 0;
      });
    }

    function tidy() {
      // The plan is made from the shortlist: the no-script plan button and notes go.
      region.querySelectorAll("[data-nojs]").forEach(function (element) { element.hidden = true; });
      showShortlist();
    }

    function summarise() {
      var words = region.querySelector("[data-profile-words]");
      form.querySelectorAll("[data-summary-of]").forEach(function (summary) {
        var now = words && words.querySelector('[data-summary="' + summary.dataset.summaryOf + '"]');
        summary.textContent = now ? now.textContent : summary.dataset.empty;
      });
    }

    function swap(html, focusHeading, heading) {
      var active = document.activeElement;
      var wasInside = region.contains(active);
      var activeId = wasInside ? active.id : "";
      var parsed = document.createElement("template");
      parsed.innerHTML = html;
      region.replaceChildren(parsed.content);
      tidy();
      summarise();
      var body = region.querySelector("[data-announce]");
      say(body ? body.dataset.announce : "");
      var again = activeId ? document.getElementById(activeId) : null;
      if (again && !focusHeading) {
        again.focus();
      } else if (focusHeading || wasInside) {
        // A button asked for these results, or what had focus is gone: start at their heading.
        (document.getElementById(heading) || document.getElementById("peer-results-title")).focus();
      }
    }

    function refresh(submitter) {
      window.clearTimeout(timer);
      var data = new FormData(form);
      data.delete("plan");
      if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
      if (controller) { controller.abort(); }
      controller = new AbortController();
      var mine = ++latest;
      region.setAttribute("aria-busy", "true");
      window.fetch(form.dataset.results, {
        method: "POST",
        body: new URLSearchParams(data),
        credentials: "same-origin",
        signal: controller.signal
      }).then(function (response) {
        return response.text();
      }).then(function (html) {
        // Fit my day's answer is its own section: focus goes to its heading.
        var heading = submitter && submitter.name === "fit_day" ? "fit-day-title" : "peer-results-title";
        if (mine === latest) { swap(html, Boolean(submitter), heading); }
      }).catch(function (error) {
        if (error.name !== "AbortError") { say(form.dataset.failed); }
      }).finally(function () {
        if (mine === latest) { region.removeAttribute("aria-busy"); }
      });
    }

    function changed() {
      keep(PROFILE_KEY, profilePairs(form));
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { refresh(null); }, DEBOUNCE_MS);
    }

    function toggle(box) {
      var items = shortlist().filter(function (item) { return item.id !== box.value; });
      if (box.checked) { items.push({id: box.value, name: box.dataset.name}); }
      keep(SHORTLIST_KEY, items);
      showShortlist();
      say(box.checked ? panel.dataset.added : panel.dataset.removed);
    }

    function remove(id) {
      keep(SHORTLIST_KEY, shortlist().filter(function (item) { return item.id !== id; }));
      showShortlist();
      say(panel.dataset.removed);
      document.getElementById("shortlist-title").focus();
    }

    function clearAll(event) {
      event.preventDefault();
      window.clearTimeout(timer);
      if (controller) { controller.abort(); }
      latest += 1;
      forget();
      fill(form, BLANK);
      region.removeAttribute("aria-busy");
      region.replaceChildren(empty.content.cloneNode(true));
      summarise();
      showShortlist();
      say(form.dataset.cleared);
      document.getElementById("near").focus();
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    // Buttons outside the form (form="peer-form") submit it: remember which, for old browsers
    // without SubmitEvent.submitter.
    region.addEventListener("click", function (event) {
      clicked = event.target.closest('button[type="submit"]');
    });
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter || clicked;
      clicked = null;
      if (submitter && submitter.hasAttribute("formaction")) { return; }
      event.preventDefault();
      refresh(submitter);
    });
    region.addEventListener("change", function (event) {
      if (event.target.name === "plan" && event.target.type === "checkbox") { toggle(event.target); }
    });
    list.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove]");
      if (button) { remove(button.dataset.remove); }
    });
    document.getElementById("shortlist-form").addEventListener("submit", function () {
      var profile = document.getElementById("shortlist-profile");
      profile.replaceChildren();
      profilePairs(form).forEach(function (pair) {
        if (PLAN_FIELDS.indexOf(pair[0]) < 0) { return; }
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = pair[0];
        input.value = pair[1];
        profile.appendChild(input);
      });
    });
    document.getElementById("peer-clear").addEventListener("click", clearAll);
    document.getElementById("shortlist-title").setAttribute("tabindex", "-1");

    panel.hidden = false;
    tidy();
    var kept = load(PROFILE_KEY, null);
    if (form.hasAttribute("data-blank") && kept) {
      fill(form, kept);
      refresh(null);
    } else if (!form.hasAttribute("data-blank")) {
      keep(PROFILE_KEY, profilePairs(form));
    }
  }

  function copyButton(button) {
    var source = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.id + "-status");
    function failed() {
      source.focus();
      source.select();
      status.textContent = button.dataset.failed;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "";
      if (!navigator.clipboard) { failed(); return; }
      navigator.clipboard.writeText(source.value).then(function () {
        status.textContent = button.dataset.copied;
      }, failed);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("peer-form");
    if (form && window.fetch && window.sessionStorage) { console_(form); }
    document.querySelectorAll("[data-copy]").forEach(copyButton);
  });
}());
