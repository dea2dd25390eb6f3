/*
 * Keep what is typed into a form on this phone until the server has it.
 *
 * A visitor logs a visit in a stairwell, on a slow or lost connection. Every change to a form marked
 * <form data-keep-draft="KEY"> is saved to localStorage under KEY; when the page is opened afresh
 * (the form carries data-draft-restore: the server sent it empty) the draft is filled back in and the
 * element [data-draft-notice] is shown, with a [data-draft-discard] button to start afresh. The draft
 * is removed only when a page the server sends after saving says so: an element
 * data-draft-clear="KEY". A failed or lost submit therefore loses nothing.
 *
 * No inline script (the Content-Security-Policy forbids it), no dependencies. Drafts hold notes about
 * households on a phone, so they are also dropped after MAX_AGE_DAYS.
 */
(function () {
  "use strict";

  var PREFIX = "hemkunskap:draft:";
  var MAX_AGE_DAYS = 7;

  function openStorage() {
    try {
      var storage = window.localStorage;
      storage.setItem(PREFIX + "probe", "1");
      storage.removeItem(PREFIX + "probe");
      return storage;
    } catch (error) {
      return null; // private mode, storage full or disabled: the form still works, without drafts
    }
  }

  var storage = openStorage();
  if (!storage) {
    return;
  }

  function read(key) {
    try {
      return JSON.parse(storage.getItem(PREFIX + key) || "null");
    } catch (error) {
      return null;
    }
  }

  function dropStale() {
    var oldest = Date.now() - MAX_AGE_DAYS * 24 * 60 * 60 * 1000;
    for (var i = storage.length - 1; i >= 0; i--) {
      var name = storage.key(i);
      if (name && name.indexOf(PREFIX) === 0) {
        var draft = read(name.slice(PREFIX.length));
        if (!draft || !draft.savedAt || draft.savedAt < oldest) {
          storage.removeItem(name);
        }
      }
    }
  }

  // One entry per form control: "name" for text, selects and numbers, "name=value" for a checkbox or a
  // radio button (true when checked), so that several boxes with one name are told apart.
  function entryKey(element) {
    if (element.type === "checkbox" || element.type === "radio") {
      return element.name + "=" + element.value;
    }
    return element.name;
  }

  function controls(form) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return (
        element.name &&
        element.name !== "csrfmiddlewaretoken" &&
        ["hidden", "password", "file", "submit", "button", "reset"].indexOf(element.type) === -1
      );
    });
  }

  function save(form, key) {
    var fields = {};
    controls(form).forEach(function (element) {
      var isBox = element.type === "checkbox" || element.type === "radio";
      fields[entryKey(element)] = isBox ? element.checked : element.value;
    });
    try {
      storage.setItem(PREFIX + key, JSON.stringify({ savedAt: Date.now(), fields: fields }));
    } catch (error) {
      // Storage full: keep going; the server still gets the form.
    }
  }

  function restore(form, key) {
    var draft = read(key);
    if (!draft || !draft.fields) {
      return false;
    }
    controls(form).forEach(function (element) {
      var entry = entryKey(element);
      if (!Object.prototype.hasOwnProperty.call(draft.fields, entry)) {
        return;
      }
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = draft.fields[entry] === true;
      } else {
        element.value = draft.fields[entry];
      }
    });
    return true;
  }

  function show(selector, visible) {
    document.querySelectorAll(selector).forEach(function (element) {
      element.hidden = !visible;
    });
  }

  dropStale();

  document.querySelectorAll("[data-draft-clear]").forEach(function (element) {
    storage.removeItem(PREFIX + element.getAttribute("data-draft-clear"));
  });

  document.querySelectorAll("form[data-keep-draft]").forEach(function (form) {
    var key = form.getAttribute("data-keep-draft");
    // A form the server sent back with errors already holds what was typed: the server's copy wins.
    if (form.hasAttribute("data-draft-restore") && restore(form, key)) {
      show("[data-draft-notice]", true);
    }
    form.addEventListener("input", function () {
      save(form, key);
    });
    form.addEventListener("change", function () {
      save(form, key);
    });
    document.querySelectorAll("[data-draft-discard]").forEach(function (button) {
      button.addEventListener("click", function () {
        storage.removeItem(PREFIX + key);
        form.reset();
        show("[data-draft-notice]", false);
      });
    });
    // One submit at a time: on a slow connection a second tap would log the visit twice (and be told
    // "already logged"). The draft stays until the server's answer says it has the log.
    form.addEventListener("submit", function () {
      save(form, key);
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        window.setTimeout(function () {
          button.disabled = true;
          button.setAttribute("aria-busy", "true");
          if (button.getAttribute("data-busy-text")) {
            button.setAttribute("data-idle-text", button.textContent);
            button.textContent = button.getAttribute("data-busy-text");
          }
        }, 0);
      });
    });
  });

  // Back from a failed submit (the page comes from the back-forward cache): let the visitor try again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-keep-draft] button[type=submit][aria-busy]").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      if (button.getAttribute("data-idle-text")) {
        button.textContent = button.getAttribute("data-idle-text");
      }
    });
  });
})();
