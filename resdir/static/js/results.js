/* resdir public pages: enhancements only. Every page works without this file.
   - "Use my location" buttons ([data-locate=<input id>]) put "lat,lon" into the input.
   - "Print" buttons ([data-print]) print the page.
   - The results map (#map, when Leaflet is loaded) shows the numbered results that have a
     street address, and the person's place; tiles only when the site names a tile server.
   - A share link's private part (situation, what matters, languages) is its fragment
     ("#barriers=on_moud"), which a browser never sends: on the search page it is set on the
     filter form, taken out of the address, and the form is posted, so it reaches no log.
     Without this file such a link opens with its shareable part (the query) alone.
   - "Copy link" buttons ([data-copy=<input id>]) copy the share link.
   - "Back to results" ([data-back]) on a listing opened from the results in this tab goes back
     in the history, to the very page of results (a posted search too, its filters kept);
     otherwise it follows its link: the search's shareable part. */
(function () {
  "use strict";

  // About 100 m: enough to find what is near, no more precise than a person needs to share.
  var COORDINATE_DECIMALS = 3;
  // What a share link may carry in its fragment: the fields the search form posts, never GETs.
  var PRIVATE_FIELDS = ["barriers", "values", "languages"];

  function choose(form, name, value) {
    var found = false;
    form.querySelectorAll('[name="' + name + '"]').forEach(function (control) {
      if (control.type === "checkbox" && control.value === value) {
        control.checked = found = true;
      } else if (control.tagName === "SELECT") {
        Array.prototype.forEach.call(control.options, function (option) {
          if (option.value === value) { control.value = value; found = true; }
        });
      }
    });
    if (!found) {
      // A choice this form has no control for ("no_vehicle:require"): posted as it is.
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = name;
      hidden.value = value;
      form.appendChild(hidden);
    }
  }

  function postSharedFragment(form) {
    var pairs = [];
    new URLSearchParams(window.location.hash.slice(1)).forEach(function (value, name) {
      if (PRIVATE_FIELDS.indexOf(name) >= 0 && value) { pairs.push([name, value]); }
    });
    if (!pairs.length) { return; }
    // Out of the address, so that the history and a copied address do not keep them either.
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
    pairs.forEach(function (pair) { choose(form, pair[0], pair[1]); });
    form.submit();
  }

  function locate(button) {
    var input = document.getElementById(button.dataset.locate);
    var status = document.querySelector('[data-locate-status="' + button.dataset.locate + '"]');
    function say(text) { if (status) { status.textContent = text; } }
    button.hidden = false;
    button.addEventListener("click", function () {
      say(button.dataset.locating);
      navigator.geolocation.getCurrentPosition(function (position) {
        input.value = position.coords.latitude.toFixed(COORDINATE_DECIMALS) + "," +
          position.coords.longitude.toFixed(COORDINATE_DECIMALS);
        say(button.dataset.located);
        input.focus();
      }, function () {
        say(button.dataset.failed);
      }, {maximumAge: 600000, timeout: 15000});
    });
  }

  // Which listing page was opened from a results page in this tab (sessionStorage is per tab).
  var FROM_RESULTS = "resdir.fromResults";

  function copyButton(button) {
    var input = document.getElementById(button.dataset.copy);
    var status = document.querySelector('[data-copy-status="' + button.dataset.copy + '"]');
    function say(text) { if (status) { status.textContent = text; } }
    button.hidden = false;
    button.addEventListener("click", function () {
      input.select();
      var copied = navigator.clipboard ? navigator.clipboard.writeText(input.value) :
        Promise.reject(new Error("no clipboard"));
      copied.then(function () { say(button.dataset.copied); }, function () {
        say(document.execCommand("copy") ? button.dataset.copied : button.dataset.failed);
      });
    });
  }

  function rememberResults(link) {
    link.addEventListener("click", function () {
      try { window.sessionStorage.setItem(FROM_RESULTS, link.pathname + link.search); } catch (e) { /* storage off */ }
    });
  }

  function backLink(link) {
    var from = null;
    try { from = window.sessionStorage.getItem(FROM_RESULTS); } catch (e) { /* storage off */ }
    if (from !== window.location.pathname + window.location.search || window.history.length < 2) { return; }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.history.back();
    });
  }

  function pinIcon(text, extra) {
    var L = window.L;
    return L.divIcon({className: "map-pin" + (extra || ""), html: text, iconSize: [28, 28], iconAnchor: [14, 14]});
  }

  function popup(item) {
    var link = document.createElement("a");
    link.href = item.querySelector("h3 a").getAttribute("href");
    link.textContent = item.dataset.name;
    return link;
  }

  function showMap(element) {
    var L = window.L;
    var items = document.querySelectorAll("li.result[data-lat]");
    element.hidden = false;
    var map = L.map(element, {scrollWheelZoom: false});
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, {maxZoom: 19, attribution: element.dataset.attribution || ""}).addTo(map);
    }
    var points = [];
    items.forEach(function (item) {
      var point = [Number(item.dataset.lat), Number(item.dataset.lon)];
      var number = String(Number(item.dataset.number));
      points.push(point);
      L.marker(point, {icon: pinIcon(number), title: number + ". " + item.dataset.name, alt: item.dataset.name})
        .bindPopup(popup(item)).addTo(map);
    });
    if (element.dataset.originLat) {
      var origin = [Number(element.dataset.originLat), Number(element.dataset.originLon)];
      points.push(origin);
      L.marker(origin, {icon: pinIcon("", " you"), title: element.dataset.you, keyboard: false, interactive: false}).addTo(map);
    }
    map.fitBounds(points, {padding: [24, 24], maxZoom: 15});
  }

  document.addEventListener("DOMContentLoaded", function () {
    var search = document.querySelector('form.search-form[method="post"]');
    if (search) {
      postSharedFragment(search);
    }
    if (navigator.geolocation) {
      document.querySelectorAll("[data-locate]").forEach(locate);
    }
    document.querySelectorAll("[data-copy]").forEach(copyButton);
    document.querySelectorAll("ol.results li.result h3 a").forEach(rememberResults);
    document.querySelectorAll("[data-back]").forEach(backLink);
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    var map = document.getElementById("map");
    if (map && window.L) {
      showMap(map);
    }
  });
}());
