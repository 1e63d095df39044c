/* resdir public pages: enhancements only. Every page works without this file.
   - "Use my location" buttons ([data-locate=<input id>]) put "lat,lon" into the input.
   - "Print" buttons ([data-print]) print the page.
   - The results map (#map, when Leaflet is loaded) shows every result of the page that has a
     place (a confidential one at its area's point, never its door), each its own numbered pin
     (pins that would touch pushed apart), and under them the person's place; tiles only
     when the site names a tile server. A phone shows the list, and the map when "Map" is
     pressed; a wide screen both.
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

  var PIN_PIXELS = 28;
  var PIN_GAP_PIXELS = 4; // at least this between two pins
  var YOU_PIXELS = 18;
  var GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5)); // turns that never line up
  var SPREAD_ROUNDS = 200; // enough for a page of 100 results at one point

  function pinIcon(text, offset) {
    var L = window.L;
    var half = PIN_PIXELS / 2;
    return L.divIcon({className: "map-pin", html: text, iconSize: [PIN_PIXELS, PIN_PIXELS],
      iconAnchor: [half - offset.x, half - offset.y]});
  }

  function popup(item, element) {
    var box = document.createElement("div");
    var name = box.appendChild(document.createElement("p"));
    var link = name.appendChild(document.createElement("a"));
    link.href = item.querySelector("h3 a").getAttribute("href");
    link.textContent = item.dataset.number + ". " + item.dataset.name;
    box.appendChild(document.createElement("p")).textContent = item.dataset.where;
    if ("approximate" in item.dataset) {
      box.appendChild(document.createElement("p")).textContent = element.dataset.approximate;
    }
    return box;
  }

  // Pins that would touch at this zoom (several meetings at one church, confidential places at
  // one ZIP code's centre, neighbours seen from afar) are pushed apart, each by no more than it
  // takes, so that every result keeps its own numbered pin near its place; pins at the very
  // same point start a pixel apart in turn round it, and part that way.
  function spreadPins(map, pins) {
    var spacing = PIN_PIXELS + PIN_GAP_PIXELS;
    var spots = pins.map(function (pin) { return map.latLngToLayerPoint(pin.point); });
    var at = spots.map(function (spot, i) {
      var before = spots.slice(0, i).filter(function (other) { return other.equals(spot); }).length;
      var angle = before * GOLDEN_ANGLE;
      return before ? [spot.x + Math.cos(angle), spot.y + Math.sin(angle)] : [spot.x, spot.y];
    });
    for (var round = 0, moved = true; moved && round < SPREAD_ROUNDS; round += 1) {
      moved = false;
      for (var i = 0; i < at.length; i += 1) {
        for (var j = i + 1; j < at.length; j += 1) {
          var dx = at[j][0] - at[i][0], dy = at[j][1] - at[i][1];
          var distance = Math.sqrt(dx * dx + dy * dy) || Number.EPSILON;
          if (distance < spacing) {
            var push = (spacing - distance) / 2 / distance;
            at[i] = [at[i][0] - dx * push, at[i][1] - dy * push];
            at[j] = [at[j][0] + dx * push, at[j][1] + dy * push];
            moved = true;
          }
        }
      }
    }
    pins.forEach(function (pin, i) {
      var offset = window.L.point(at[i][0] - spots[i].x, at[i][1] - spots[i].y).round();
      if (!pin.offset || !pin.offset.equals(offset)) {
        pin.offset = offset;
        pin.marker.setIcon(pinIcon(pin.number, offset));
      }
    });
  }

  function drawMap(element) {
    var L = window.L;
    var map = L.map(element, {scrollWheelZoom: false});
    if (element.dataset.tiles) {
      // The tile server learns this site (as its usage policy asks), never the page's address.
      L.tileLayer(element.dataset.tiles, {maxZoom: 19, attribution: element.dataset.attribution,
        referrerPolicy: "strict-origin"}).addTo(map);
    }
    var points = [];
    // "You are here" lies under every result's pin, and looks like none of them.
    map.createPane("origin");
    if (element.dataset.originLat) {
      var origin = L.latLng(Number(element.dataset.originLat), Number(element.dataset.originLon));
      points.push(origin);
      L.marker(origin, {pane: "origin", title: element.dataset.you, keyboard: false, interactive: false,
        icon: L.divIcon({className: "map-you", iconSize: [YOU_PIXELS, YOU_PIXELS]})}).addTo(map);
    }
    var pins = [];
    document.querySelectorAll("li.result[data-lat]").forEach(function (item) {
      var point = L.latLng(Number(item.dataset.lat), Number(item.dataset.lon));
      var number = String(Number(item.dataset.number));
      points.push(point);
      // A dot at the very point, for a pin moved onto a ring.
      L.circleMarker(point, {radius: 3, interactive: false, className: "map-spot"}).addTo(map);
      var box = popup(item, element);
      var marker = L.marker(point, {icon: pinIcon(number, L.point(0, 0)), title: number + ". " + item.dataset.name})
        .bindPopup(box, {autoPanPadding: [PIN_PIXELS, PIN_PIXELS]}).addTo(map);
      // Escape closes the popup and goes back to its pin.
      box.addEventListener("keydown", function (event) {
        if (event.key === "Escape") {
          marker.closePopup();
          marker.getElement().focus();
        }
      });
      pins.push({point: point, number: number, marker: marker});
    });
    map.on("popupopen", function (event) {
      // Opened from the keyboard or a tap, the popup's link is the next thing to reach.
      event.popup.getElement().querySelector("p a").focus({preventScroll: true});
    });
    map.fitBounds(L.latLngBounds(points), {padding: [PIN_PIXELS * 2, PIN_PIXELS * 2], maxZoom: 16});
    spreadPins(map, pins);
    map.on("zoomend", function () { spreadPins(map, pins); });
    return map;
  }

  // The map is drawn once it is seen (Leaflet measures its box), then kept to its box's size.
  function showMap(element) {
    var layout = element.parentNode;
    var toggle = document.querySelector("[data-view-toggle]");
    var map = null;
    function draw() {
      if (!element.offsetWidth) { return; }
      if (map) { map.invalidateSize(); } else { map = drawMap(element); }
    }
    element.hidden = false;
    layout.dataset.view = "list";
    if (toggle) {
      toggle.hidden = false;
      toggle.querySelectorAll("button").forEach(function (button) {
        button.addEventListener("click", function () {
          layout.dataset.view = button.dataset.view;
          toggle.querySelectorAll("button").forEach(function (other) {
            other.setAttribute("aria-pressed", String(other === button));
          });
          draw();
        });
      });
    }
    window.addEventListener("resize", draw);
    draw();
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
