// The smartphone check-in from the shelter's QR URL, in Debian's Chromium at 320 x 640 through
// the gateway against the real stack (issue 5; brief S1.2, S12, S16.2).
//   cd web && npm run build && BASE_URL=http://127.0.0.1:18080 npm run test:browser
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, BASE_URL, createOpenShelter, createShelter, eventually, fillCheckInForm, LABELS, launch, screenshot, uniqueShelterId, pageErrors, DESKTOP, staffApi, waitForFocus } from "./support.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

describe("smartphone check-in (S16.2)", () => {
  it("a person checks in from the QR URL and appears in the roster with channel 3 (S12)", async () => {
    const shelterId = await createOpenShelter("千代田小学校（ブラウザ試験）");
    const page = await browser.newPage();
    await page.goto(`${BASE_URL}/checkin/${shelterId}`);
    await page.getByTestId("shelter-name").filter({ hasText: "千代田小学校（ブラウザ試験）" }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 320, "no sideways scrolling at 320 px");
    await screenshot(page, "checkin-form-320");

    await fillCheckInForm(page);
    await page.getByRole("checkbox", { name: "要介護" }).check();
    await page.getByRole("checkbox", { name: "はい、あります" }).check();
    await page.getByLabel(/^伝えたいこと/).fill("卵アレルギーがあります。");
    // Enter in a text field submits the form, as on a phone keyboard's "go" key.
    await page.getByLabel(LABELS.address).press("Enter");

    const heading = page.getByRole("heading", { level: 1 });
    await heading.filter({ hasText: "入力内容の確認" }).waitFor();
    await waitForFocus(heading, "the confirm page's heading takes the focus");
    const summary = await page.locator(".summary-list").innerText();
    for (const expected of ["山田", "花子", "女性", "1950年4月1日（昭和25年）", "東京都千代田区千代田1-1", "090-1234-5678", "要介護", "卵アレルギーがあります。"]) {
      assert.ok(summary.includes(expected), `the confirm page shows ${expected}`);
    }
    await screenshot(page, "checkin-confirm-320");

    await page.getByRole("button", { name: "この内容で登録する" }).click();
    await heading.filter({ hasText: "受付が完了しました" }).waitFor();
    const stayId = (await page.getByTestId("stay-id").textContent())?.trim();
    assert.match(stayId ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(await page.getByTestId("stay-reference").textContent(), stayId.replace(/-/g, "").slice(0, 8).toUpperCase());
    await screenshot(page, "checkin-done-320");

    const entry = await eventually(async () => {
      const response = await staffApi("GET", `/api/roster/entries/${stayId}`);
      return response.status === 200 ? response.body : undefined;
    });
    assert.equal(entry.channel, 3, "registered by smartphone (S12 channel 3)");
    assert.equal(entry.shelter_id, shelterId);
    assert.equal(entry.personal.family_name, "山田");
    assert.equal(entry.personal.date_of_birth, "1950-04-01");
    assert.deepEqual(entry.statuses, ["要介護"]);

    // The same phone can check out later from /checkout/:shelterId (S10 public 2).
    const stored = await page.evaluate(() => localStorage.getItem("shelter-checkin.stays"));
    assert.equal(JSON.parse(stored)[shelterId].stayId, stayId);
    await page.goto(`${BASE_URL}/checkout/${shelterId}`);
    await page.getByRole("button", { name: "退所する" }).click();
    await page.getByRole("button", { name: "はい、退所します" }).click();
    await page.getByText("退所の手続きが完了しました").waitFor();
    const checkedOut = await eventually(async () => {
      const response = await staffApi("GET", `/api/roster/entries/${stayId}`);
      return response.status === 200 && response.body.checked_out_at ? response.body : undefined;
    });
    assert.ok(checkedOut.checked_out_at);
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it("the whole form works with the keyboard alone, in page order, with a visible focus", async () => {
    const shelterId = await createOpenShelter();
    // A desktop context: the select's type-ahead is a keyboard behaviour (phones open a picker).
    const page = await browser.newPage({ ...DESKTOP, viewport: { width: 320, height: 640 } });
    await page.goto(`${BASE_URL}/checkin/${shelterId}`);
    await page.getByTestId("shelter-name").waitFor();
    await page.locator("#status-0").waitFor();

    // The first Tab shows the skip link; following it lands in the main content.
    await page.keyboard.press("Tab");
    const skip = await page.evaluate(() => {
      const element = document.activeElement;
      return { isSkipLink: element.classList.contains("skip-link"), top: element.getBoundingClientRect().top };
    });
    assert.ok(skip.isSkipLink && skip.top >= 0, "the skip link is first and visible when focused");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement.id), "main");

    const visited = [];
    /** Presses Tab until `id` has the focus; the ids passed on the way are recorded. */
    const tabTo = async (id) => {
      for (let presses = 0; presses < 40; presses += 1) {
        await page.keyboard.press("Tab");
        const focused = await page.evaluate(() => document.activeElement?.id ?? "");
        visited.push(focused);
        if (focused === id) return;
      }
      assert.fail(`Tab never reached #${id}; visited ${visited.join(", ")}`);
    };
    await tabTo("familyName");
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(ring, "none", "the focused field shows a focus ring");
    await page.keyboard.type("鈴木");
    await tabTo("givenName");
    await page.keyboard.type("一郎");
    await tabTo("familyNameKana");
    await page.keyboard.type("スズキ");
    await tabTo("givenNameKana");
    await page.keyboard.type("イチロウ");
    await tabTo("sex-female");
    await page.keyboard.press("ArrowRight"); // radios move and check with the arrow keys
    assert.equal(await page.evaluate(() => document.activeElement.id), "sex-male");
    await tabTo("dateOfBirth-year");
    await page.keyboard.type("1944");
    await tabTo("dateOfBirth-month");
    await page.keyboard.type("12");
    await tabTo("dateOfBirth-day");
    await page.keyboard.type("8");
    await tabTo("address");
    await page.keyboard.type("東京都千代田区千代田2-2");
    await tabTo("status-1");
    await page.keyboard.press("Space");
    await tabTo("hasMessage");
    await page.keyboard.press("Space");
    await tabTo("message");
    await page.keyboard.type("持病の薬が必要です。");
    await tabTo("consent");
    await page.keyboard.press("Space");
    await page.keyboard.press("Tab");
    assert.match(await page.evaluate(() => document.activeElement.textContent), /確認へ進む/);
    await page.keyboard.press("Enter");

    await page.getByRole("heading", { level: 1, name: "入力内容の確認" }).waitFor();
    const summary = await page.locator(".summary-list").innerText();
    for (const expected of ["鈴木", "スズキ", "男性", "1944年12月8日（昭和19年）", "妊娠中", "持病の薬が必要です。"]) {
      assert.ok(summary.includes(expected), `the confirm page shows ${expected}: ${summary}`);
    }
    // The focus is on the new heading, so the next Tab is the submit button; Enter sends.
    await page.keyboard.press("Tab");
    assert.match(await page.evaluate(() => document.activeElement.textContent), /この内容で登録する/);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "受付が完了しました" }).waitFor();
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it("a missing required field shows a Japanese message next to it, and nothing is sent", async () => {
    const shelterId = await createOpenShelter();
    const page = await browser.newPage();
    const posts = [];
    page.on("request", (request) => {
      if (request.method() === "POST") posts.push(request.url());
    });
    await page.goto(`${BASE_URL}/checkin/${shelterId}`);
    await page.getByTestId("shelter-name").waitFor();
    await fillCheckInForm(page, { familyName: "" });
    await page.getByRole("button", { name: "確認へ進む" }).click();

    const summary = page.getByRole("alert");
    await summary.waitFor();
    await waitForFocus(summary, "the error summary takes the focus");
    assert.match(await summary.innerText(), /姓（みょうじ）を入力してください。/);

    const familyName = page.getByLabel(LABELS.familyName);
    assert.equal(await familyName.getAttribute("aria-invalid"), "true");
    const describedBy = (await familyName.getAttribute("aria-describedby")).split(" ");
    assert.ok(describedBy.includes("familyName-error"));
    assert.equal((await page.locator("#familyName-error").innerText()).trim(), "姓（みょうじ）を入力してください。");
    assert.equal(await page.getByLabel(LABELS.givenName).getAttribute("aria-invalid"), null, "a filled field is not marked");
    await screenshot(page, "checkin-error-320");

    // The summary's entry leads to the field.
    await summary.getByRole("link").first().click();
    await waitForFocus(familyName, "the summary's link leads to the field");
    assert.deepEqual(posts, [], "nothing is sent before the form is complete");
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it("an unknown shelter id shows the API's Japanese problem title", async () => {
    const shelterId = uniqueShelterId("unknown");
    const refusal = await api("GET", `/api/registration/shelters/${shelterId}`);
    assert.equal(refusal.status, 404);
    const page = await browser.newPage();
    await page.goto(`${BASE_URL}/checkin/${shelterId}`);
    const problem = page.getByTestId("shelter-problem");
    await problem.waitFor();
    assert.equal(await problem.textContent(), refusal.body.title_ja);
    assert.equal(await page.getByRole("button", { name: "確認へ進む" }).count(), 0, "no form for a shelter that does not exist");
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it("checking in twice sends the person to the desk and offers no check-out of a stay this phone does not know", async () => {
    const shelterId = await createOpenShelter();
    const person = { family_name: "二重", given_name: `登録${Date.now()}`, address: "東京都千代田区千代田3-3", date_of_birth: "1950-04-01", sex: "female" };
    const first = await api("POST", `/api/registration/shelters/${shelterId}/check-ins`, { personal: person, consent: true });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const again = await api("POST", `/api/registration/shelters/${shelterId}/check-ins`, { personal: person, consent: true });
    assert.equal(again.status, 409, "the API knows this person is already here");
    assert.match(again.body.type, /\/already-checked-in$/);
    // Privacy (issue 4): the public refusal names no stay, or anyone knowing a name and a date
    // of birth could check that person out.
    assert.equal(again.body.stay_id, undefined, `the public refusal names no stay: ${JSON.stringify(again.body)}`);
    assert.ok(!JSON.stringify(again.body).includes(first.body.stay_id), "the stay id appears nowhere in the refusal");

    const page = await browser.newPage();
    await page.goto(`${BASE_URL}/checkin/${shelterId}`);
    await page.getByTestId("shelter-name").waitFor();
    await fillCheckInForm(page, { familyName: person.family_name, givenName: person.given_name, address: person.address, phone: "" });
    await page.getByRole("button", { name: "確認へ進む" }).click();
    const [response] = await Promise.all([
      page.waitForResponse((candidate) => candidate.url().endsWith("/check-ins")),
      page.getByRole("button", { name: "この内容で登録する" }).click(),
    ]);
    assert.equal(response.status(), 409);
    assert.equal((await response.json()).stay_id, undefined, "the page's refusal names no stay either");
    await page.getByRole("alert").filter({ hasText: "すでに受付されています。受付の係員にお声がけください。" }).waitFor();
    assert.equal(await page.getByRole("link", { name: "退所（チェックアウト）はこちら" }).count(), 0, "no check-out for a stay this phone does not know");
    assert.equal(await page.evaluate(() => localStorage.getItem("shelter-checkin.stays")), null, "nothing is remembered");
    await screenshot(page, "checkin-already-320");
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it("checking in twice from the same phone keeps offering check-out of the stay it saved", async () => {
    const shelterId = await createOpenShelter();
    const page = await browser.newPage();
    await page.goto(`${BASE_URL}/checkin/${shelterId}`);
    await page.getByTestId("shelter-name").waitFor();
    const person = { givenName: `再訪${Date.now()}` };
    await fillCheckInForm(page, person);
    await page.getByRole("button", { name: "確認へ進む" }).click();
    await page.getByRole("button", { name: "この内容で登録する" }).click();
    await page.getByRole("heading", { level: 1, name: "受付が完了しました" }).waitFor();
    const stayId = (await page.getByTestId("stay-id").textContent())?.trim();

    // The QR code scanned again, the same person entered again: refused, but this phone knows its stay.
    await page.goto(`${BASE_URL}/checkin/${shelterId}`);
    await page.getByTestId("shelter-name").waitFor();
    await fillCheckInForm(page, person);
    await page.getByRole("button", { name: "確認へ進む" }).click();
    await page.getByRole("button", { name: "この内容で登録する" }).click();
    await page.getByRole("alert").filter({ hasText: "すでに受付されています。受付の係員にお声がけください。" }).waitFor();
    await page.getByRole("link", { name: "退所（チェックアウト）はこちら" }).first().click();
    await page.getByRole("heading", { level: 1, name: "退所（チェックアウト）" }).waitFor();
    const reference = stayId.replace(/-/g, "").slice(0, 8).toUpperCase();
    assert.equal((await page.locator(".summary-list .reference").innerText()).trim(), reference);
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it("a check-in the API refuses on submit (shelter closed) shows the problem's Japanese title", async () => {
    const shelterId = uniqueShelterId("closed");
    const created = await createShelter("閉鎖中の避難所", shelterId);
    if (created.is_open) assert.equal((await staffApi("POST", `/api/registration/shelters/${shelterId}/close`)).status, 200);

    const page = await browser.newPage();
    await page.goto(`${BASE_URL}/checkin/${shelterId}`);
    await page.getByTestId("shelter-name").waitFor();
    await page.getByText("この避難所は、いまは開設されていません。").waitFor();
    await fillCheckInForm(page);
    await page.getByRole("button", { name: "確認へ進む" }).click();
    const submit = page.getByRole("button", { name: "この内容で登録する" });
    const [response] = await Promise.all([page.waitForResponse((candidate) => candidate.url().endsWith("/check-ins")), submit.click()]);
    assert.equal(response.status(), 409);
    const problem = await response.json();
    assert.ok(problem.title_ja, "the API sends a Japanese title");
    const alert = page.getByRole("alert");
    await alert.filter({ hasText: problem.title_ja }).waitFor();
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });
});
