// The 打印 button of printable pages (备案登记表): shown only when JavaScript runs, so
// without it the page offers the PDF and the browser's own print command instead.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function () { window.print(); });
  }
})();
