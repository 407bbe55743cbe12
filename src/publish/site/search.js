// The site's search box (publish, src/publish/site/search.js): Pagefind's index of the briefings in
// the page's language (Pagefind picks it from <html lang>), with the page's own translated strings.
// Pagefind's script is a module a browser will not load from a file on disk: there, the box stays
// hidden and a line says that search works once the site is online.
(function () {
  "use strict";
  // Arabic: harakat and tatweel, and a joined و/ف before the article, which the stemmer keeps
  // (the index holds each such word without it too: src/publish/site/search.py).
  var HARAKAT = /[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]/g;
  var CONJUNCTION = /^[\u0648\u0641](?=(?:\u0627\u0644|\u0644\u0644|\u0628\u0627\u0644|\u0643\u0627\u0644|\u0641\u0627\u0644)..)/;

  function normalise(query) {
    return query
      .replace(HARAKAT, "")
      .split(/\s+/)
      .map(function (word) { return word.replace(CONJUNCTION, ""); })
      .join(" ")
      .trim();
  }

  function setUp(box) {
    var form = box.querySelector("form");
    var offline = box.querySelector(".search-offline");
    if (location.protocol !== "http:" && location.protocol !== "https:") {
      offline.hidden = false;
      return;
    }
    var input = form.querySelector("input");
    var status = form.querySelector(".search-status");
    var list = form.querySelector(".search-results");
    var loading = null;
    var latest = 0;
    var timer = null;

    function engine() {
      if (loading === null) {
        var bundle = new URL(form.dataset.bundle, document.baseURI).href;
        var root = new URL(form.dataset.root, document.baseURI).pathname;
        loading = import(bundle).then(function (pagefind) {
          return pagefind.options({ baseUrl: root, excerptLength: 24 }).then(function () { return pagefind; });
        });
      }
      return loading;
    }

    function show(results, query) {
      list.replaceChildren();
      results.forEach(function (data) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = data.url;
        link.textContent = (data.meta && data.meta.title) || data.url;
        var heading = document.createElement("p");
        heading.className = "search-result-title";
        heading.appendChild(link);
        item.appendChild(heading);
        var summary = data.meta && data.meta.summary;
        if (summary) {
          var text = document.createElement("p");
          text.className = "search-result-summary";
          text.textContent = summary;
          item.appendChild(text);
        }
        list.appendChild(item);
      });
      status.textContent = query ? (results.length ? form.dataset.found : form.dataset.none) : "";
    }

    function run() {
      var query = normalise(input.value);
      var mine = ++latest;
      if (!query) {
        show([], "");
        return;
      }
      engine()
        .then(function (pagefind) { return pagefind.search(query); })
        .then(function (search) {
          return Promise.all(search.results.slice(0, 20).map(function (r) { return r.data(); }));
        })
        .then(function (results) {
          if (mine === latest) show(results, query);
        })
        .catch(function () {
          if (mine === latest) {
            list.replaceChildren();
            status.textContent = form.dataset.failed;
          }
        });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      run();
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 200);
    });
    form.hidden = false;
  }

  document.querySelectorAll(".site-search").forEach(setUp);
})();
