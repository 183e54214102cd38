import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve } from '../edge/support/serve.js';
import { RawUac, pcmaOffer } from '../edge/support/raw-uac.js';
import { rtpSocket, sendRtp, tone } from '../edge/media-live-support.js';
import { peerSkip } from '../support/peers.js';
import { a11yProblems, credentials, launchChromium, recordRequests, shotsDir, signIn } from './support.js';

// The web console in a real browser against a real `trunkline serve`: it speaks only the
// public API, keeps the credentials in the tab's sessionStorage, and shows each API error in
// the API's words beside the field it names.
const CALLER = '+919876541111';
/** PSTN simulator numbers (README "Placing test calls"): echo, and 486 Busy Here. */
const ECHO = '+919876540000';
const BUSY = '+919876540486';

test('web console: a wrong token shows the sign-in error; signed in, a trunk is created with its whitelisted IP and number (each API error beside its field); calls to the echo and the busy number appear live and end; the failed call reads its finding, the answered one charts both RTP directions', { skip: peerSkip('chromium') }, async () => {
  // Live refresh every 0.25 s: the answered call's record (and its media samples) is rewritten while it is up.
  const s = await serve(['--live-refresh', '0.25']);
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: s.sip }).open();
  const rtp = await rtpSocket();
  const browser = await launchChromium();
  const shots = shotsDir();
  try {
    const origin = `http://127.0.0.1:${s.http}`;
    const { key, token } = credentials(s);
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const elsewhere = recordRequests(page, origin);
    await page.goto(`${origin}/`);

    // A wrong token: the API's own words, and nothing kept.
    await signIn(page, s.account, key, `${token}x`);
    const error = page.locator('.field:has(#' + (await page.getByLabel('API key').getAttribute('id')) + ') .field-error');
    await error.waitFor();
    assert.match(await error.innerText(), /Authorization failed \(1010\): api_key or api_token is wrong/);
    assert.equal(await page.evaluate('sessionStorage.length'), 0, 'a refused sign-in keeps nothing');
    await page.screenshot({ path: join(shots, 'sign-in-error.png') });
    assert.deepEqual(await a11yProblems(page), [], 'sign-in: labels and contrast');

    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Trunks', level: 1 }).waitFor();
    assert.ok(!page.url().includes(token) && !page.url().includes(key), 'no credential in the URL');
    const stored = await page.evaluate('JSON.stringify(sessionStorage)') as string;
    assert.ok(stored.includes(token), 'the token is in sessionStorage');
    assert.equal(await page.evaluate('localStorage.length'), 0, 'and not in localStorage');

    // The API refuses a bad trunk name; its description shows beside the field.
    const name = page.getByLabel('Trunk name');
    await name.fill('bad name!');
    await page.getByRole('button', { name: 'Create trunk' }).click();
    const nameError = page.locator('.field:has(input[name=trunk_name]) .field-error');
    await nameError.waitFor();
    assert.match(await nameError.innerText(), /^Invalid parameter \(1002\): .*trunk_name/);
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.ok((await name.getAttribute('aria-describedby'))?.includes(await nameError.getAttribute('id') ?? '-'), 'the error is announced with the field');

    await name.fill('pbx_console');
    await page.getByRole('button', { name: 'Create trunk' }).click();
    await page.getByRole('link', { name: 'pbx_console' }).waitFor();
    await page.screenshot({ path: join(shots, 'trunks.png') });
    const listed = await s.api<{ trunk_name: string; domain_name: string; nso_code: string }[]>('GET', `/v2/accounts/${s.account}/trunks`);
    const created0 = (l: typeof listed) => (l.json.response as unknown as { data: { trunk_sid: string } }[])[0].data.trunk_sid;
    const created = (listed.json.response as unknown as { data: { trunk_name: string; domain_name: string; nso_code: string } }[]).map((i) => i.data);
    assert.deepEqual(created.map((t) => [t.trunk_name, t.nso_code, t.domain_name]), [['pbx_console', 'ANY-ANY', `${s.account}.pstn.localhost`]]);

    // A duplicate name: 409 / 1008 in its words, beside the name.
    await name.fill('pbx_console');
    await page.getByRole('button', { name: 'Create trunk' }).click();
    await nameError.waitFor();
    assert.match(await nameError.innerText(), /Duplicate resource \(1008\)/);

    await page.getByRole('link', { name: 'pbx_console' }).click();
    await page.getByRole('heading', { name: 'Trunk pbx_console', level: 1 }).waitFor();
    const ipForm = page.getByRole('form', { name: 'Whitelist a network' });
    await ipForm.getByLabel('IPv4 address').fill('127.0.0.1');
    await ipForm.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('row', { name: /127\.0\.0\.1\/32/ }).waitFor();

    // The trunk's own settings: only what changed is sent; a refused value is shown beside it.
    const trunkForm = page.getByRole('form', { name: 'Trunk settings' });
    await trunkForm.getByLabel('Calls per minute').fill('0');
    await trunkForm.getByRole('button', { name: 'Save trunk' }).click();
    const cpmError = trunkForm.locator('.field:has(input[name=calls_per_minute]) .field-error');
    await cpmError.waitFor();
    assert.match(await cpmError.innerText(), /calls_per_minute/);
    await trunkForm.getByLabel('Calls per minute').fill('120');
    await trunkForm.getByLabel('Max concurrent calls').fill('5');
    await trunkForm.getByRole('button', { name: 'Save trunk' }).click();
    await trunkForm.getByText('Saved: calls_per_minute, max_concurrent_calls.').waitFor();
    const trunkNow = await s.api<{ calls_per_minute: number; max_concurrent_calls: number }>('GET', `/v2/accounts/${s.account}/trunks/${created0(listed)}`);
    assert.deepEqual([trunkNow.json.response.data.calls_per_minute, trunkNow.json.response.data.max_concurrent_calls], [120, 5]);

    // Edit in place: a mask wider than the API allows is refused beside the mask.
    await page.getByRole('button', { name: 'Edit 127.0.0.1/32' }).click();
    const ipEdit = page.getByRole('form', { name: 'Edit 127.0.0.1/32' });
    await ipEdit.getByLabel('Mask (prefix length)').fill('4');
    await ipEdit.getByRole('button', { name: 'Save' }).click();
    const maskError = ipEdit.locator('.field:has(input[name=mask]) .field-error');
    await maskError.waitFor();
    assert.match(await maskError.innerText(), /^Invalid parameter \(1002\): .*mask/);
    await ipEdit.getByLabel('Mask (prefix length)').fill('32');
    await ipEdit.getByRole('button', { name: 'Save' }).click();
    await ipEdit.waitFor({ state: 'detached' });

    const numForm = page.getByRole('form', { name: 'Add a phone number' });
    await numForm.getByLabel('Phone number (E.164)').fill('12345');
    await numForm.getByRole('button', { name: 'Add' }).click();
    const numError = numForm.locator('.field:has(input[name=phone_number]) .field-error');
    await numError.waitFor();
    assert.match(await numError.innerText(), /phone_number/);
    await numForm.getByLabel('Phone number (E.164)').fill(CALLER);
    await numForm.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('row', { name: new RegExp(CALLER.replace('+', '\\+')) }).waitFor();
    // Settings through the form: a bad value is refused beside the value; record_calls=true records every call.
    const setForm = page.getByRole('form', { name: 'Set a setting' });
    await setForm.getByLabel('Setting').selectOption('record_calls');
    await setForm.getByLabel('Value').fill('yes');
    await setForm.getByRole('button', { name: 'Add' }).click();
    const valueError = setForm.locator('.field:has(input[name=value]) .field-error');
    await valueError.waitFor();
    assert.match(await valueError.innerText(), /record_calls must be "true" or "false"; got 'yes'/);
    await setForm.getByLabel('Value').fill('true');
    await setForm.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('row', { name: /record_calls true/ }).waitFor();
    await page.screenshot({ path: join(shots, 'trunk.png'), fullPage: true });
    assert.deepEqual(await a11yProblems(page), [], 'trunk page: labels and contrast');


    // Calls: the list is loaded once; the two calls then arrive over the event stream.
    const listReads: string[] = [];
    page.on('request', (r) => {
      if (/\/calls\?/.test(r.url())) listReads.push(r.url());
    });
    await page.getByRole('link', { name: 'Calls', exact: true }).click();
    await page.getByRole('heading', { name: 'Calls', level: 1 }).waitFor();
    await page.locator('.live.on').waitFor();
    const domain = `${s.account}.pstn.localhost`;
    const inv = pbx.invite({ ruri: `sip:${ECHO}@${domain}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer('127.0.0.1', rtp.address().port) });
    const ok = await inv.waitFinal(5000);
    assert.equal(ok.status, 200, ok.raw);
    await pbx.ack(inv, ok);
    const echoSid = ok.header('x-trunkline-call-sid')!;
    await page.locator(`tr[data-call-sid="${echoSid}"][data-status="in-progress"]`).waitFor();
    // 2 s of tone to the relay; the simulator echoes it back, so RTP flows both ways.
    await sendRtp(rtp, Number(/m=audio (\d+)/.exec(ok.body)?.[1]), 100, tone);
    assert.ok(rtp.received > 20, `echoed RTP came back (${rtp.received} packets)`);
    await page.screenshot({ path: join(shots, 'calls-live.png') });
    // A second tab (its own sessionStorage: signed in again) on the call while it is up.
    const tab = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await tab.goto(`${origin}/#/calls/${echoSid}`);
    // Signed in with the keyboard alone: the first field has focus, Tab moves on, Enter submits.
    await tab.getByLabel('Account SID').waitFor();
    assert.equal(await tab.evaluate('document.activeElement?.name'), 'account_sid');
    for (const [text, next] of [[s.account, 'Tab'], [key, 'Tab'], [token, 'Enter']] as const) {
      await tab.keyboard.type(text);
      await tab.keyboard.press(next);
    }
    await tab.getByRole('heading', { name: `Call to ${ECHO} in-progress` }).waitFor();
    assert.equal((await pbx.request(inv, 'BYE')).status, 200);
    // The open call page follows the call to its end without a reload.
    await tab.getByRole('heading', { name: `Call to ${ECHO} completed` }).waitFor();
    await tab.close();
    await page.locator(`tr[data-call-sid="${echoSid}"][data-status="completed"]`).waitFor();

    const busy = await pbx.invite({ ruri: `sip:${BUSY}@${domain}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer('127.0.0.1', rtp.address().port) }).waitFinal(5000);
    assert.equal(busy.status, 486, busy.raw);
    const busySid = busy.header('x-trunkline-call-sid')!;
    const busyRow = page.locator(`tr[data-call-sid="${busySid}"][data-status="failed"]`);
    await busyRow.waitFor();
    assert.match(await busyRow.innerText(), /486 Busy Here/);
    assert.equal(listReads.length, 1, `the list was read once and then only streamed: ${listReads.join(' ')}`);
    await page.screenshot({ path: join(shots, 'calls.png') });
    assert.deepEqual(await a11yProblems(page), [], 'calls page: labels and contrast');

    // The failed call: its finding with fault domain, checks and fix, as the calls API has it.
    const busyApi = await s.api<{ findings: { title: string; fault_domain: string; fix: string }[] }>('GET', `/v2/accounts/${s.account}/calls/${busySid}`);
    const finding = busyApi.json.response.data.findings[0];
    assert.ok(finding, 'the busy call has a finding');
    await busyRow.getByRole('link', { name: /Open call/ }).click();
    const card = page.getByRole('article', { name: `Finding: ${finding.title}` });
    await card.waitFor();
    const cardText = await card.innerText();
    assert.match(cardText, new RegExp(`Fault lies with: .*\\[${finding.fault_domain}\\]`));
    assert.ok(cardText.includes(finding.fix), 'the fix is shown');
    assert.match(cardText, /What to check/);
    await page.screenshot({ path: join(shots, 'call-failed.png'), fullPage: true });

    // The answered call: the ladder (one arrow per traced message, each openable) and both directions charted.
    await page.goto(`${origin}/#/calls/${echoSid}`);
    await page.getByRole('heading', { name: `Call to ${ECHO} completed` }).waitFor();
    const trace = await s.api<{ messages: unknown[] }>('GET', `/v2/accounts/${s.account}/calls/${echoSid}/trace`);
    const arrows = page.locator('svg.ladder g.msg');
    assert.equal(await arrows.count(), trace.json.response.data.messages.length);
    await arrows.first().focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /^INVITE sip:\+919876540000@/m);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate('document.activeElement?.getAttribute("data-index")'), '0', 'focus is back on the arrow');
    await page.evaluate('document.activeElement.blur()');
    for (const dir of ['c2c', 'k2c']) {
      const line = page.locator(`figure.chart:has(figcaption:text("Packets received")) polyline.${dir}`);
      const points = Number(await line.getAttribute('data-points'));
      assert.ok(points >= 2, `${dir}: packets over time has ${points} samples`);
    }
    assert.equal(await page.locator('figure.chart').count(), 3, 'packets, loss and jitter charts');
    // The call was recorded (record_calls): its pcap downloads through the button.
    const pcapDownloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download pcap' }).click();
    const pcap = await pcapDownloading;
    assert.equal(pcap.suggestedFilename(), `${echoSid}.pcap`);
    assert.equal(readFileSync((await pcap.path())!).readUInt32LE(0), 0xa1b2c3d4, 'pcap magic');
    // The support bundle (GET …/bundle, with Basic auth through fetch): a gzip file saved by the browser.
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download support bundle' }).click();
    const download = await downloading;
    assert.equal(download.suggestedFilename(), `${echoSid}-bundle.tar.gz`);
    const saved = readFileSync((await download.path())!);
    assert.deepEqual([saved[0], saved[1]], [0x1f, 0x8b], 'gzip');
    await page.screenshot({ path: join(shots, 'call-answered.png'), fullPage: true });
    assert.deepEqual(await a11yProblems(page), [], 'call page: labels and contrast');

    // Filters through the form: status failed leaves the busy call only.
    await page.getByRole('link', { name: 'Calls', exact: true }).click();
    await page.getByRole('search', { name: 'Filter calls' }).getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('1 call matching the filters, newest first').waitFor();
    assert.equal(await page.locator('tbody tr').count(), 1);
    assert.equal(await page.locator(`tr[data-call-sid="${busySid}"]`).count(), 1);
    assert.match(page.url(), /#\/calls\?status=failed$/);

    await page.getByRole('link', { name: 'Explain', exact: true }).click();
    await page.getByLabel('SIP code, API error code, symptom or finding id').fill('486');
    await page.getByRole('button', { name: 'Explain' }).click();
    await page.getByRole('heading', { name: '486 Busy Here' }).waitFor();
    await page.screenshot({ path: join(shots, 'explain.png'), fullPage: true });

    await page.getByRole('link', { name: 'Health', exact: true }).click();
    await page.getByText('Up: the store answers').waitFor();
    const relayed = await page.locator('section[aria-label="Media relay (RTP)"] .big').innerText();
    assert.match(relayed, /^[1-9][\d,]* packets relayed$/);
    await page.screenshot({ path: join(shots, 'health.png'), fullPage: true });
    assert.deepEqual(await a11yProblems(page), [], 'health page: labels and contrast');

    // A phone's width: one column, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${origin}/#/calls`);
    await page.locator(`tr[data-call-sid="${busySid}"]`).waitFor();
    assert.ok((await page.evaluate('document.documentElement.scrollWidth')) as number <= 390, 'no horizontal scrolling at 390 px');
    await page.screenshot({ path: join(shots, 'phone-calls.png'), fullPage: true });

    assert.deepEqual(elsewhere, [], 'the console loads nothing from elsewhere');
  } finally {
    await browser.close();
    rtp.close();
    await pbx.close();
    await s.stop();
  }
});
