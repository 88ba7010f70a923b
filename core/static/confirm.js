// One confirmation step before an action that cannot simply be taken back (退回补正,
// 准予备案, 撤回, 删除): a form with data-confirm asks first. data-confirm-list names the
// checkboxes whose ticked labels (data-label) are listed in the question, so a reviewer
// sees exactly what the one-time notice will contain.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-confirm]");
  for (var i = 0; i < forms.length; i++) {
    forms[i].addEventListener("submit", function (event) {
      var form = event.currentTarget;
      var question = form.getAttribute("data-confirm");
      var list = form.getAttribute("data-confirm-list");
      if (list) {
        var ticked = form.querySelectorAll('input[name="' + list + '"]:checked');
        var names = [];
        for (var j = 0; j < ticked.length; j++) { names.push("· " + (ticked[j].getAttribute("data-label") || ticked[j].value)); }
        if (names.length) { question += "\n\n" + names.join("\n"); }
      }
      if (!window.confirm(question)) { event.preventDefault(); }
    });
  }
})();
