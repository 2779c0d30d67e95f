// The donate page and the donor's card change. Card details go to Stripe.js only; our server gets
// a PaymentMethod id.
(function () {
  "use strict";

  function newAttempt() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function postForm(url, data) {
    const response = await fetch(url, {method: "POST", body: data, credentials: "same-origin",
                                       headers: {"X-Requested-With": "fetch"}});
    return response.json();
  }

  async function paymentMethod(stripe, card, details) {
    const made = await stripe.createPaymentMethod({type: "card", card: card, billing_details: details});
    if (made.error) return {error: made.error.message || String(made.error)};
    return {id: made.paymentMethod.id};
  }

  function setupDonateForm(form) {
    const stripe = window.Stripe(form.dataset.publishableKey);
    const card = stripe.elements().create("card");
    card.mount("#card-element");
    const message = document.getElementById("form-message");
    const button = document.getElementById("give-button");
    const feeText = document.getElementById("fee-text");
    const otherField = form.querySelector(".other-amount");
    const tribute = document.getElementById("tribute-details");
    form.elements.attempt.value = newAttempt();

    function chosenCents() {
      const picked = form.querySelector("input[name=amount]:checked");
      if (picked && picked.value !== "other") return parseInt(picked.value, 10) * 100;
      const typed = parseFloat((form.elements.other_amount.value || "").replace(",", "."));
      return isNaN(typed) ? 0 : Math.round(typed * 100);
    }

    async function showFee() {
      const cents = chosenCents();
      if (!form.elements.cover_fee.checked || cents <= 0) { feeText.textContent = ""; return; }
      try {
        const response = await fetch(form.dataset.feeUrl + "?cents=" + cents, {credentials: "same-origin"});
        feeText.textContent = (await response.json()).text;
      } catch (error) { feeText.textContent = ""; }
    }

    function refresh() {
      const picked = form.querySelector("input[name=amount]:checked");
      otherField.hidden = !(picked && picked.value === "other");
      tribute.hidden = !form.elements.tribute_kind.value;
      showFee();
    }

    function clearErrors() {
      message.hidden = true;
      form.querySelectorAll(".js-error").forEach((node) => node.remove());
      form.querySelectorAll(".has-error").forEach((node) => node.classList.remove("has-error"));
    }

    function say(text) {
      message.textContent = text;
      message.hidden = false;
      message.scrollIntoView({block: "center"});
    }

    function showFieldErrors(errors) {
      Object.entries(errors).forEach(([name, texts]) => {
        const input = form.elements[name];
        const node = input && (input.length && !input.tagName ? input[0] : input);
        const holder = node && node.closest(".field, fieldset");
        if (!holder) return;
        holder.classList.add("has-error");
        const line = document.createElement("p");
        line.className = "error js-error";
        line.textContent = texts.join(" ");
        holder.appendChild(line);
      });
    }

    async function handle(result) {
      if (result.status === "succeeded") {
        window.location.assign(form.dataset.thanksUrl);
        return true;
      }
      if (result.status === "requires_action") {
        const done = await stripe.confirmCardPayment(result.client_secret);
        if (done && done.error) {
          say(done.error.message || form.dataset.cardError);
          return false;
        }
        const data = new FormData();
        data.append("attempt", form.elements.attempt.value);
        data.append("csrf_token", form.elements.csrf_token.value);
        return handle(await postForm(form.dataset.confirmUrl, data));
      }
      if (result.errors) showFieldErrors(result.errors);
      say(result.message || form.dataset.cardError);
      return false;
    }

    form.addEventListener("change", (event) => {
      // A changed gift is a new attempt; a plain retry keeps the token so nothing is charged twice.
      if (event.target.name && event.target.type !== "hidden") form.elements.attempt.value = newAttempt();
      refresh();
    });
    form.addEventListener("input", refresh);

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors();
      button.disabled = true;
      const label = button.textContent;
      button.textContent = form.dataset.working;
      try {
        const made = await paymentMethod(stripe, card, {name: form.elements.name.value,
                                                        email: form.elements.email.value});
        if (made.error) {
          document.getElementById("card-errors").textContent = made.error;
          say(form.dataset.cardError);
          return;
        }
        form.elements.payment_method.value = made.id;
        if (await handle(await postForm(form.action, new FormData(form)))) return;
      } catch (error) {
        say(form.dataset.networkError);
      } finally {
        button.disabled = false;
        button.textContent = label;
      }
    });
    refresh();
  }

  function setupCardChange(form) {
    const stripe = window.Stripe(form.dataset.publishableKey);
    const card = stripe.elements().create("card");
    card.mount(form.querySelector(".card-element"));
    const errors = form.querySelector(".card-errors");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      errors.textContent = "";
      try {
        const started = await postForm(form.action, new FormData(form));
        if (started.status !== "requires_setup") { errors.textContent = started.message; return; }
        const setup = await stripe.confirmCardSetup(started.client_secret, {payment_method: {card: card}});
        if (setup.error) { errors.textContent = setup.error.message || String(setup.error); return; }
        const data = new FormData(form);
        data.append("setup_intent", setup.setupIntent.id);
        const finished = await postForm(form.action, data);
        if (finished.status === "succeeded") window.location.reload();
        else errors.textContent = finished.message;
      } catch (error) {
        errors.textContent = String(error);
      }
    });
  }

  // A page served from the cache to a first-time visitor carries no CSRF token: fetch one.
  async function fillTokens(url) {
    const empty = document.querySelectorAll("input[name=csrf_token]");
    if (!url || !Array.from(empty).some((input) => !input.value)) return;
    const response = await fetch(url, {credentials: "same-origin"});
    const token = (await response.json()).token;
    empty.forEach((input) => { if (!input.value) input.value = token; });
  }

  // Without Stripe.js (blocked, or it did not load) no card can be taken: say so, offer the other
  // ways to give, and keep the form from being sent with no card.
  function cardUnavailable(form) {
    const notice = document.getElementById("card-unavailable");
    if (notice) notice.hidden = false;
    form.hidden = true;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const donate = document.getElementById("donate-form");
    fillTokens(donate && donate.dataset.csrfUrl);
    if (donate) {
      try {
        if (!window.Stripe) throw new Error("Stripe.js did not load");
        setupDonateForm(donate);
      } catch (error) {
        cardUnavailable(donate);
      }
    }
    document.querySelectorAll("form.card-change").forEach((form) => {
      if (window.Stripe) setupCardChange(form);
      else {
        form.querySelector(".card-errors").textContent = form.dataset.unavailable;
        form.querySelector("button[type=submit]").disabled = true;
      }
    });
  });
})();
