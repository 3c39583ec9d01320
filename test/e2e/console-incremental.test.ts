/**
 * Incremental migration in the console, in real Chromium against `pgferry serve` and two test
 * servers: the wizard's Incremental choice with its options and what happens after the copy, the
 * precheck's incremental items, the streaming state with its lag panel and chart, rows written on
 * the source applied on the target, the Cut over dialog (its steps, Cancel focused, "I have
 * stopped writes"), the cutover's steps and downtime, and the table equal on both sides with the
 * slot gone; a stopped incremental task warns that its slot keeps WAL on the source. Screenshots
 * go to test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '../../src/server/local-server.js';
import { BIN } from '../harness/cli.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { dropSlot } from '../harness/slots.js';
import { waitFor } from '../harness/wait.js';
import { seriousViolations } from '../harness/axe.js';

const SHOTS = path.resolve(import.meta.dirname, '../../test-artifacts/console');
const TOKEN = 'console-incremental-token';
const CHROMIUM = process.env.PGFERRY_CHROMIUM || '/usr/bin/chromium';

/** The table's row count and an md5 of every row in key order: equal on both sides after a cutover. */
const fingerprint = async (uri: string) =>
  (await execSql(uri, `SELECT count(*)::int AS n, md5(coalesce(string_agg(id || ':' || balance || ':' || note, ',' ORDER BY id), '')) AS h FROM accounts`)).rows[0] as { n: number; h: string };

describe('console: incremental migration in Chromium', () => {
  let serve: ChildProcess;
  let browser: Browser;
  let page: Page;
  let port = 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-console-inc-'));
  const cspViolations: string[] = [];
  /** Source databases whose slots are dropped at the end, and tasks stopped first, whatever happened. */
  const sources: { uri: string; name: string }[] = [];
  const taskIds: string[] = [];
  // each screenshot is also an accessibility scan of the page (serious or critical violations fail)
  const shot = async (name: string) => {
    await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
    assert.deepEqual(await seriousViolations(page), [], `accessibility of ${name}`);
  };
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${url}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: await res.json() };
  };

  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    port = await freePort();
    serve = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--store', path.join(dir, 'tasks.db')], {
      env: { ...process.env, PGFERRY_TOKEN: TOKEN, PGFERRY_KEY_FILE: path.join(dir, 'key') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      serve.stdout!.on('data', (d: Buffer) => d.toString().includes('pgferry console and API on') && resolve());
      serve.once('exit', (c) => reject(new Error(`pgferry serve exited ${c}`)));
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
  });
  after(async () => {
    await browser?.close();
    // a run still streaming is stopped, then every slot left on the test's sources is dropped
    for (const id of taskIds) {
      const t = await call('GET', `/api/tasks/${id}`).catch(() => null);
      if (t && ['running', 'streaming'].includes(t.json.state)) {
        await call('POST', `/api/tasks/${id}/stop`).catch(() => {});
        await waitFor('the run to stop', async () => (['running', 'streaming', 'stopping'].includes((await call('GET', `/api/tasks/${id}`)).json.state) ? undefined : true), 30_000).catch(() => {});
      }
    }
    for (const s of sources) {
      const slots = await execSql(s.uri, 'SELECT slot_name FROM pg_replication_slots WHERE database = $1', [s.name]);
      for (const r of slots.rows) await dropSlot(s.uri, r.slot_name as string).catch(() => {});
    }
    serve?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Step 1 of the wizard: both sides filled in and tested. */
  const connect = async (src: { port: number; db: string }, dst: { port: number; db: string }) => {
    for (const [side, p, db] of [['source', src.port, src.db], ['target', dst.port, dst.db]] as const) {
      await page.locator(`#${side}-host`).fill('127.0.0.1');
      await page.locator(`#${side}-port`).fill(String(p));
      await page.locator(`#${side}-database`).fill(db);
      await page.locator(`#${side}-user`).fill('postgres');
      await page.getByTestId(`test-${side}`).click();
      await page.getByTestId(`result-${side}`).getByText(/^Passed/).waitFor();
    }
    await page.getByRole('button', { name: 'Next: types and objects' }).click();
  };

  it('creates an incremental task in the wizard, streams rows written on the source, cuts over and shows the downtime', async () => {
    const s = await server('15', 'src');
    const src = await freshDatabase(s, 'console_inc');
    sources.push({ uri: src.uri, name: src.name });
    await execSql(src.uri, `
      CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL, note text NOT NULL);
      CREATE SEQUENCE ticket_no START 100;
      INSERT INTO accounts SELECT g, g * 10, 'n' || g FROM generate_series(1, 500) g;`);
    const d = await server('15', 'dst');
    const dst = await freshDatabase(d, 'console_inc');

    await page.goto(`http://127.0.0.1:${port}/#token=${TOKEN}`);
    await page.getByRole('link', { name: 'Create task' }).click();
    await page.locator('#task-name').fill('console-incremental');
    await connect({ port: s.port, db: src.name }, { port: d.port, db: dst.name });

    // (2) the Incremental choice shows its two options; schema and full data do not
    assert.equal(await page.getByRole('group', { name: 'incremental options' }).count(), 0);
    await page.getByLabel('Incremental data migration').check();
    const options = page.getByRole('group', { name: 'incremental options' });
    await options.waitFor();
    assert.match(await options.innerText(), /Set REPLICA IDENTITY FULL on selected tables that have neither a primary key nor a replica identity index/);
    assert.equal(await page.getByLabel('Use an existing publication').getAttribute('placeholder'), 'pgferry creates its own when empty');
    await shot('20-wizard-incremental.png');
    await page.getByRole('button', { name: 'Next: precheck' }).click();

    // (3) the precheck has the incremental items
    await page.getByText(/^Precheck passed/).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('[data-item="wal-level"] .icon').getAttribute('aria-label'), 'pass');
    assert.equal(await page.locator('[data-item="replication-slots"] .icon').getAttribute('aria-label'), 'pass');
    const ack = page.getByLabel(/^I have read the/);
    if (await ack.count()) await ack.check();
    await page.getByRole('button', { name: 'Next: confirm' }).click();

    // (4) the summary says the task keeps the target in step until the cutover
    assert.match(await page.getByTestId('incremental-summary').innerText(), /keeps the target in step with the source, applying its changes, until you cut over/);
    assert.match(await page.getByRole('region', { name: 'confirm' }).innerText(), /schema and data, then incremental/);
    await page.getByRole('button', { name: 'Start migration' }).click();
    await page.waitForURL(/#\/tasks\//);
    const id = decodeURIComponent(/#\/tasks\/([^/]+)/.exec(page.url())![1]);
    taskIds.push(id);
    const spec = (await call('GET', `/api/tasks/${id}`)).json.spec;
    assert.deepEqual([spec.migration, spec.incremental], ['full', true]);

    // streaming: a live state (Stop on, Verify and Release off), the lag panel and the stream phase current
    await page.locator('h1 .badge.state-streaming').waitFor({ timeout: 120_000 });
    await page.getByTestId('lag-panel').waitFor({ timeout: 30_000 });
    // the background check reports its ranges with the stream's status
    await page.getByTestId('ranges-verified').filter({ hasText: / of \d+/ }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByRole('button', { name: 'Stop' }).isEnabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Verify' }).isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Release' }).isDisabled(), true);
    assert.equal(await page.locator('.timeline li.current').innerText(), 'stream');
    assert.match(await page.getByTestId('applied-lsn').innerText(), /^[0-9A-F]+\/[0-9A-F]+$/);
    assert.match(await page.getByTestId('slot-held').innerText(), /^\d+(\.\d+)? (B|kB|MB|GB)$/);

    // writes on the source reach the target and the applied transactions count rises
    const before = Number((await page.getByTestId('transactions').innerText()).replace(/\D/g, ''));
    await execSql(src.uri, "INSERT INTO accounts SELECT g, g, 'late' FROM generate_series(501, 540) g");
    await execSql(src.uri, "UPDATE accounts SET balance = balance + 1, note = 'updated' WHERE id <= 25");
    await execSql(src.uri, 'DELETE FROM accounts WHERE id BETWEEN 100 AND 109');
    await execSql(src.uri, "SELECT nextval('ticket_no'), nextval('ticket_no')");
    await waitFor('three source transactions applied', async () => {
      const n = Number((await page.getByTestId('transactions').innerText()).replace(/\D/g, ''));
      return n >= before + 3 ? n : undefined;
    }, 60_000);
    assert.deepEqual(await fingerprint(dst.uri), await fingerprint(src.uri), 'the target follows the source while streaming');
    await page.getByTestId('lag-chart').waitFor({ timeout: 20_000 });
    const chart = await page.getByTestId('lag-chart').innerText();
    assert.match(chart, /lag, seconds[\s\S]*lag, (B|kB|MB)/);
    assert.ok(await page.locator('[data-testid="lag-chart"] text', { hasText: /^\d+(\.\d+)? s$/ }).count() >= 5, 'a seconds axis');
    assert.ok(await page.locator('[data-testid="lag-chart"] text', { hasText: /^\d\d:\d\d:\d\d$/ }).count() >= 2, 'a time axis');

    // the task list shows it streaming
    await page.goto(`http://127.0.0.1:${port}/#/`);
    const row = page.locator('table.tasks tr', { hasText: 'console-incremental' });
    await row.locator('.badge.state-streaming').waitFor();
    assert.match(await row.innerText(), /stream · \d+(\.\d)? s behind/);
    await page.goto(`http://127.0.0.1:${port}/#/tasks/${id}`);
    await page.getByTestId('lag-panel').waitFor();
    // a few seconds of lag on the chart for the picture
    await page.getByTestId('lag-chart').getByText(/over the last ([6-9]|\d\d+) s/).waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('lag-chart').innerText(), /lag, (B|kB|MB|GB) \(right\)/);
    await shot('21-streaming.png');

    // the Cut over dialog: its steps, Cancel focused, Cut over only once the writes are accounted for
    await page.getByRole('button', { name: 'Cut over' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Cut over to the destination' });
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
    const steps = await dialog.locator('ol#cutover-steps > li').allInnerTexts();
    assert.equal(steps.length, 6);
    assert.match(steps[0], /Wait until the destination is at most/);
    assert.match(steps[1], /I have stopped writes to the source[\s\S]*Block writes for me: make the source database read-only for new transactions and end its other sessions/);
    assert.match(steps.slice(2).join('\n'), /cutover position[\s\S]*sequences[\s\S]*materialized views[\s\S]*slot and pgferry's publication/);
    assert.equal(await dialog.locator('#max-lag').inputValue(), '10');
    const cut = dialog.getByRole('button', { name: 'Cut over' });
    assert.equal(await cut.isDisabled(), true);
    assert.equal(await cut.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(207, 34, 46)', 'a red button');
    await dialog.getByLabel('I have stopped writes to the source').check();
    await dialog.locator('#max-lag').fill('5');
    await shot('22-cutover-dialog.png');
    await cut.click();

    // the cutover's steps as they arrive, then completed with the downtime and the position
    await page.locator('h1 .badge[class*="state-completed"]').waitFor({ timeout: 120_000 }).catch(async (e) => {
      // what the task was doing when the cutover did not complete, and its run's log
      const v = (await call('GET', `/api/tasks/${id}/progress`)).json;
      const log = path.join(dir, 'logs', `${id}.log`);
      console.error(JSON.stringify({ state: v.state, phase: v.phase, cutoverRequest: v.cutoverRequest, streamStatus: v.streamStatus, history: v.history.slice(-8) }, null, 1));
      if (fs.existsSync(log)) console.error(fs.readFileSync(log, 'utf8').split('\n').slice(-25).join('\n'));
      throw e;
    });
    const result = page.getByTestId('cutover-result');
    await result.waitFor();
    assert.match(await page.getByTestId('downtime').innerText(), /^\d+\.\d s$/);
    assert.match(await page.getByTestId('cutover-lsn').innerText(), /^[0-9A-F]+\/[0-9A-F]+$/);
    assert.match(await result.innerText(), /writes stopped by you\); 1 sequence set/);
    const shown = await page.getByRole('list', { name: 'cutover steps' }).innerText();
    assert.match(shown, /apply to the cutover position[\s\S]*sequences set[\s\S]*slot dropped[\s\S]*check/);
    assert.match(await page.getByTestId('cutover-check').innerText(), /Cutover check: source and target equal — \d+ key range\(s\) read, \d+ verified while streaming/);
    assert.doesNotMatch(shown, /block writes/, 'writes were not blocked');
    const summary = (await call('GET', `/api/tasks/${id}`)).json.summary;
    assert.equal(summary.cutover.writesBlocked, false);
    // nothing skipped: the run's own publication (pgferry_<run>) is not the user's, never listed
    assert.deepEqual(summary.skipped, []);
    assert.equal(summary.failures.length, 0);
    assert.equal(await page.getByTestId('cutover-lsn').innerText(), summary.cutover.lsn);
    assert.equal(await page.getByRole('button', { name: 'Cut over' }).isDisabled(), true);
    await shot('23-cutover-completed.png');

    // the same rows on both sides, the sequence set, and no slot left on the source
    const [a, b] = [await fingerprint(src.uri), await fingerprint(dst.uri)];
    assert.equal(a.n, 530);
    assert.deepEqual(b, a);
    const seq = await execSql(dst.uri, 'SELECT last_value::int AS v FROM ticket_no');
    assert.equal(seq.rows[0].v, 101);
    assert.equal((await execSql(src.uri, 'SELECT 1 FROM pg_replication_slots WHERE database = $1', [src.name])).rowCount, 0);
    assert.deepEqual(cspViolations, []);
  });

  it('warns that a stopped incremental task\'s slot keeps WAL on the source until resume or release', async () => {
    const s = await server('15', 'src');
    const src = await freshDatabase(s, 'console_inc_stop');
    sources.push({ uri: src.uri, name: src.name });
    await execSql(src.uri, "CREATE TABLE accounts (id int PRIMARY KEY, balance int, note text); INSERT INTO accounts SELECT g, g, 'x' FROM generate_series(1, 50) g");
    const d = await server('15', 'dst');
    const dst = await freshDatabase(d, 'console_inc_stop');
    const side = (p: number, database: string) => ({ host: '127.0.0.1', port: p, database, user: 'postgres' });
    const created = await call('POST', '/api/tasks', { name: 'console-inc-stop', source: side(s.port, src.name), target: side(d.port, dst.name), incremental: true });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const id = created.json.id as string;
    taskIds.push(id);
    assert.equal((await call('POST', `/api/tasks/${id}/precheck`)).json.passed, true);
    assert.equal((await call('POST', `/api/tasks/${id}/start`)).status, 202);

    await page.goto(`http://127.0.0.1:${port}/#/tasks/${id}`);
    await page.locator('h1 .badge.state-streaming').waitFor({ timeout: 120_000 });
    assert.equal(await page.getByTestId('slot-warning').count(), 0, 'no warning while it streams');
    await page.getByRole('button', { name: 'Stop' }).click();
    assert.match(await page.getByRole('alertdialog', { name: 'confirm stop' }).innerText(), /the replication slot stays and keeps WAL on the source until you resume or release the task/);
    await page.getByRole('button', { name: 'Yes, stop' }).click();
    await page.locator('h1 .badge.state-stopped').waitFor({ timeout: 60_000 });
    const warning = page.getByTestId('slot-warning');
    await warning.waitFor();
    assert.match(await warning.innerText(), /^The replication slot keeps WAL on the source until you resume this task .* or release it \(which drops the slot and pgferry's publication\)/);
    assert.equal(await page.getByRole('button', { name: 'Resume' }).isEnabled(), true);
    await shot('24-stopped-slot-warning.png');
    assert.equal((await execSql(src.uri, 'SELECT 1 FROM pg_replication_slots WHERE database = $1', [src.name])).rowCount, 1, 'the slot is kept');

    // release drops it, once the task's name is typed; the focus starts on Cancel, so Enter does not release
    await page.getByRole('button', { name: 'Release' }).click();
    const release = page.getByRole('alertdialog', { name: 'confirm release' });
    assert.match(await release.innerText(), /its replication slot and pgferry's publication on the source/);
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
    const yes = page.getByRole('button', { name: 'Yes, release' });
    assert.equal(await yes.isDisabled(), true);
    assert.match(await yes.evaluate((b) => getComputedStyle(b).backgroundColor), /^rgb\((1[5-9]\d|2\d\d), \d{1,2}, \d{1,2}\)$/, 'the button is red');
    const name = release.getByRole('textbox', { name: /Type the task's name/ });
    await name.fill('console-inc-sto');
    await page.keyboard.press('Enter');
    assert.equal(await yes.isDisabled(), true, 'a name that does not match leaves it disabled');
    await name.fill('console-inc-stop');
    await shot('25-release-typed-name.png');
    await yes.click();
    await page.waitForURL(/#\/$/);
    assert.equal((await execSql(src.uri, 'SELECT 1 FROM pg_replication_slots WHERE database = $1', [src.name])).rowCount, 0, 'release dropped the slot');
    assert.deepEqual(cspViolations, []);
  });
});
