// The staff's mission pages, once JavaScript runs:
// - each price shows as text with a "Modifier le prix" button that opens its field in place
//   (without JavaScript the fields are simply always open);
// - the mission form's totals are recomputed as the person types. This is a preview only:
//   Sceau computes the amounts it keeps (domain/totals.py) when the form is sent.
(function () {
  "use strict";

  var money = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });

  // "1 234,50", "1234.5" or "1 234,50 €" as cents (an integer), or null.
  function cents(text) {
    var cleaned = String(text).replace(/[\s\u00a0\u202f€]/g, "").replace(",", ".");
    if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
    var parts = cleaned.split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }

  function show(cents) {
    return money.format(cents / 100);
  }

  function setUpPriceEdits(root) {
    root.querySelectorAll("[data-price-button]").forEach(function (button) {
      var cell = button.closest("td");
      var text = cell.querySelector("[data-price-text]");
      var edit = cell.querySelector("[data-price-edit]");
      var input = edit.querySelector("input[inputmode]");
      edit.hidden = true;
      text.hidden = false;
      button.hidden = false;
      button.addEventListener("click", function () {
        edit.hidden = false;
        text.hidden = true;
        button.hidden = true;
        input.focus();
        input.select();
      });
    });
  }

  function setUpTotals(form) {
    var rate = cents(form.dataset.vatRate);  // 20.00 % as 2000
    var rows = Array.prototype.slice.call(form.querySelectorAll("[data-line]"));
    form.querySelectorAll("[data-totals]").forEach(function (node) { node.hidden = false; });

    function recompute() {
      var total = 0;
      var valid = true;
      rows.forEach(function (row) {
        var included = row.querySelector("input[type=checkbox]").checked;
        var price = row.querySelector("[data-price]");
        var text = row.querySelector("[data-price-text]");
        var amount = cents(price.value);
        var yearly = row.querySelector("[data-yearly]");
        if (amount === null) {
          yearly.textContent = "montant invalide";
          if (included) valid = false;
          return;
        }
        if (text) text.textContent = show(amount);
        var occurrences = parseInt(row.dataset.occurrences, 10);
        yearly.textContent = included ? show(amount * occurrences) : "—";
        if (included) total += amount * occurrences;
      });
      // VAT rounded half up to the cent, as domain/money.py does.
      var vat = Math.floor((total * rate) / 10000 + 0.5);
      form.querySelector('[data-total="excl"]').textContent = valid ? show(total) : "—";
      form.querySelector('[data-total="vat"]').textContent = valid ? show(vat) : "—";
      form.querySelector('[data-total="incl"]').textContent = valid ? show(total + vat) : "—";
    }

    form.addEventListener("input", recompute);
    form.addEventListener("change", recompute);
    recompute();
  }

  setUpPriceEdits(document);
  document.querySelectorAll("[data-mission-form]").forEach(setUpTotals);
})();
