/* Kindred's reply box, enhanced. Everything here also works without it: a name typed in
   full after "@" mentions, each post's "Quote" link opens the reply box with the post
   quoted, "Preview" and "Save draft" are submit buttons.

   - @mentions: "@" and letters before the caret ask the server for people to mention
     (the hidden #mention-query, an htmx GET into #mention-box); up and down arrows choose,
     Enter or Tab mentions, Escape closes.
   - Quote: selecting text in a post shows a "Quote" button beside it; it, and each post's
     "Quote" link, fetch the Markdown quote from the server (which refuses posts that may
     not be quoted) and add it to the reply box.
   - Draft: htmx saves the box as it changes (hx-trigger on the textarea); if the page is
     left with text not yet saved, one last save goes out with sendBeacon. */
(function () {
  "use strict";

  var MENTION = /(?:^|[^\w@])@([A-Za-z0-9][A-Za-z0-9_.-]{0,31})$/;
  var active = -1;
  var lookup = null;
  var saved = { box: null, text: "" };
  var sending = "";
  var selected = { url: "", text: "" };

  function replyBox() { return document.getElementById("reply-body"); }

  function mentionOptions() {
    var list = document.getElementById("mention-options");
    if (!list || list.hidden) { return []; }
    return Array.prototype.slice.call(list.querySelectorAll('[role="option"]'));
  }

  // ---- @mentions ---------------------------------------------------------------------

  function closeMentions() {
    var list = document.getElementById("mention-options");
    var status = document.getElementById("mention-status");
    if (list) { list.hidden = true; }
    if (status) { status.textContent = ""; }
    var box = replyBox();
    if (box) { box.removeAttribute("aria-activedescendant"); }
    active = -1;
  }

  function typedName(box) {
    if (box.selectionStart !== box.selectionEnd) { return null; }
    var match = MENTION.exec(box.value.slice(0, box.selectionStart));
    return match ? match[1] : null;
  }

  function lookUp(box) {
    var name = typedName(box);
    var query = document.getElementById("mention-query");
    window.clearTimeout(lookup);
    if (!name || !query) { closeMentions(); return; }
    lookup = window.setTimeout(function () {
      query.value = name;
      htmx.trigger(query, "mention-query");
    }, 150);
  }

  function highlight(index) {
    var options = mentionOptions();
    var box = replyBox();
    if (!options.length || !box) { return; }
    active = (index + options.length) % options.length;
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    box.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  function mention(option) {
    var box = replyBox();
    if (!box) { return; }
    var caret = box.selectionStart;
    var before = box.value.slice(0, caret);
    var name = typedName(box);
    if (name === null) { closeMentions(); return; }
    var start = before.length - name.length;
    var inserted = option.getAttribute("data-username") + " ";
    box.value = before.slice(0, start) + inserted + box.value.slice(caret);
    box.selectionStart = box.selectionEnd = start + inserted.length;
    closeMentions();
    box.focus();
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("input", function (event) {
    if (event.target.id === "reply-body") { lookUp(event.target); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.target.id !== "reply-body") { return; }
    var options = mentionOptions();
    if (!options.length) { return; }
    if (event.key === "ArrowDown") { highlight(active + 1); }
    else if (event.key === "ArrowUp") { highlight(active - 1); }
    else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) { mention(options[active]); }
    else if (event.key === "Escape") { closeMentions(); }
    else { return; }
    event.preventDefault();
  });

  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest("#mention-options [role=option]");
    if (option) {
      event.preventDefault();  // keep the caret in the reply box
      mention(option);
    }
  });

  document.addEventListener("focusout", function (event) {
    if (event.target.id === "reply-body") { window.setTimeout(closeMentions, 200); }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "mention-box") {
      var box = replyBox();
      // An answer for a name no longer being typed is not offered.
      if (!box || document.activeElement !== box || !typedName(box)) { closeMentions(); return; }
      active = -1;
      highlight(0);
    }
  });

  // ---- quoting -----------------------------------------------------------------------

  // The body of the post a selection lies in, when that post may be quoted.
  function quotablePost(node) {
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    return element ? element.closest(".post .body[data-quote-url]") : null;
  }

  function addToReply(markdown) {
    var box = replyBox();
    if (!box) { return; }
    var text = box.value.replace(/\s+$/, "");
    box.value = (text ? text + "\n\n" : "") + markdown;
    box.focus();
    box.selectionStart = box.selectionEnd = box.value.length;
    box.scrollIntoView({ block: "center" });
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function fetchQuote(url, text, fallback) {
    var address = url + (text ? "?text=" + encodeURIComponent(text.slice(0, 5000)) : "");
    window.fetch(address, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("refused"); }
        return response.text();
      })
      .then(addToReply)
      .catch(function () { if (fallback) { window.location.assign(fallback); } });
  }

  // The part of the selection inside one quotable post (a triple click also takes the
  // start of what follows the paragraph), as { post, range, text }, or null.
  function selectedPassage() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) { return null; }
    var range = selection.getRangeAt(0).cloneRange();
    var post = quotablePost(range.startContainer);
    if (!post) { return null; }
    if (!post.contains(range.endContainer)) { range.setEndAfter(post.lastChild); }
    var text = range.toString().trim();
    return text ? { post: post, range: range, text: text } : null;
  }

  function placeQuoteButton() {
    var button = document.getElementById("quote-selection");
    if (!button) { return; }
    var passage = selectedPassage();
    if (!passage) { button.hidden = true; return; }
    var range = passage.range;
    selected = { url: passage.post.getAttribute("data-quote-url"), text: passage.text };
    var rect = range.getBoundingClientRect();
    button.hidden = false;
    var left = Math.min(rect.left + window.scrollX,
                        document.documentElement.clientWidth - button.offsetWidth - 8);
    button.style.left = Math.max(8, left) + "px";
    // Above the passage, so it hides neither the text nor the post's buttons below it.
    var above = rect.top - button.offsetHeight - 6;
    button.style.top = ((above > 0 ? above : rect.bottom + 6) + window.scrollY) + "px";
  }

  var placing = null;
  document.addEventListener("selectionchange", function () {
    window.clearTimeout(placing);
    placing = window.setTimeout(placeQuoteButton, 120);
  });

  document.addEventListener("mousedown", function (event) {
    if (event.target.id === "quote-selection") { event.preventDefault(); }  // keep the selection
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.id === "quote-selection") {
      target.hidden = true;
      fetchQuote(selected.url, selected.text, null);
      window.getSelection().removeAllRanges();
      return;
    }
    var link = target.closest && target.closest("a.quote-link");
    if (!link || !replyBox()) { return; }
    event.preventDefault();
    var post = link.closest("article").querySelector(".body[data-quote-url]");
    var passage = selectedPassage();
    fetchQuote(post.getAttribute("data-quote-url"),
               passage && passage.post === post ? passage.text : "", link.href);
  });

  // ---- the draft ---------------------------------------------------------------------

  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id === "reply-body") { sending = event.detail.elt.value; }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.id === "reply-body" && event.detail.successful) { saved = { box: elt, text: sending }; }
  });

  // A form the browser itself sends (not htmx) says what becomes of the text: "Discard the
  // draft" must not be undone by a last save on the way out.
  var submitting = false;
  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) { submitting = true; }
  });

  window.addEventListener("pagehide", function () {
    var box = replyBox();
    if (submitting || !box || !box.form || !navigator.sendBeacon) { return; }
    var known = saved.box === box ? saved.text : box.defaultValue;
    if (box.value === known) { return; }
    var data = new URLSearchParams();
    data.append("body", box.value);
    data.append("_csrf_token", box.form.querySelector("[name=_csrf_token]").value);
    navigator.sendBeacon(box.form.getAttribute("data-draft-url"), data);
  });
}());
