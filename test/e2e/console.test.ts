/**
 * The console in real Chromium (Debian's package, driven by playwright-core) against `pgferry
 * serve` and two test servers: the wizard with a failing then passing Test Connectivity, objects
 * chosen with a table renamed, a precheck warning for a keyless table, start, progress to 100 %,
 * verify, and the verify result still there after a reload; a task whose target rejected a table
 * is red with its counts and a link to the objects, in the list and on its page. Screenshots of
 * each step go to test-artifacts/console/.
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
import { waitFor } from '../harness/wait.js';
import { seriousViolations } from '../harness/axe.js';

const SHOTS = path.resolve(import.meta.dirname, '../../test-artifacts/console');
const TOKEN = 'console-test-token';
const CHROMIUM = process.env.PGFERRY_CHROMIUM || '/usr/bin/chromium';

describe('console in Chromium', () => {
  let serve: ChildProcess;
  let browser: Browser;
  let page: Page;
  let port = 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-console-'));
  const cspViolations: string[] = [];
  // every screenshot of a page is also an accessibility scan of it: serious or critical violations fail the test
  // `narrow`: the same page again at 420 px wide (then back to the width it had)
  const shot = async (name: string, narrow = false) => {
    await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
    assert.deepEqual(await seriousViolations(page), [], `accessibility of ${name}`);
    if (!narrow) return;
    const size = page.viewportSize()!;
    await page.setViewportSize({ width: 420, height: size.height });
    const narrowName = name.replace(/\.png$/, '-420.png');
    await page.screenshot({ path: path.join(SHOTS, narrowName), fullPage: true });
    assert.deepEqual(await seriousViolations(page), [], `accessibility of ${narrowName}`);
    await page.setViewportSize(size);
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
    // the console must work under the server's Content-Security-Policy: every violation is a failure
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
  });
  after(async () => {
    await browser?.close();
    serve?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a task through the wizard, watches it reach 100 % and verifies it', async () => {
    const s = await server('15', 'src');
    const src = await freshDatabase(s, 'console');
    await execSql(src.uri, `
      CREATE TABLE customers (id int PRIMARY KEY, name text);
      CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id), total numeric);
      CREATE TABLE keyless (v text);
      INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 20000) g;
      INSERT INTO orders SELECT g, 1 + g % 20000, g / 3.0 FROM generate_series(1, 200000) g;
      INSERT INTO keyless SELECT md5(g::text) FROM generate_series(1, 5000) g;
      ANALYZE;`);
    const d = await server('15', 'dst');
    const dst = await freshDatabase(d, 'console');

    await page.goto(`http://127.0.0.1:${port}/#token=${TOKEN}`);
    await page.getByText('No migration task yet.').waitFor();
    await shot('00-task-list-empty.png');
    await page.getByRole('link', { name: 'Create task' }).click();

    // (1) source and destination, the destination first on a port nothing listens on
    const fill = async (side: 'source' | 'target', p: number, db: string) => {
      await page.locator(`#${side}-host`).fill('127.0.0.1');
      await page.locator(`#${side}-port`).fill(String(p));
      await page.locator(`#${side}-database`).fill(db);
      await page.locator(`#${side}-user`).fill('postgres');
    };
    await page.locator('#task-name').fill('console-move');
    await fill('source', s.port, src.name);
    await fill('target', 1, dst.name);
    await page.getByTestId('test-source').click();
    // Enter in a field tests that side
    await page.locator('#target-database').press('Enter');
    await assert.doesNotReject(page.getByTestId('result-source').getByText(/^Passed — PostgreSQL 15/).waitFor());
    await page.getByTestId('result-target').getByText(/^Failed at TCP connect: connection refused/).waitFor();
    assert.match(await page.locator('.hint', { hasText: 'Fix:' }).innerText(), /start the server, or check host and port/);
    assert.equal(await page.getByRole('button', { name: 'Next: types and objects' }).isDisabled(), true);
    await shot('01-connectivity-failed.png', true);
    await page.locator('#target-port').fill(String(d.port));
    await page.getByTestId('test-target').click();
    await page.getByTestId('result-target').getByText(/^Passed/).waitFor();
    await shot('02-connectivity-passed.png', true);
    await page.getByRole('button', { name: 'Next: types and objects' }).click();
    // the focus follows to the step that opened
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'types and objects');

    // (2) types and objects: schema public chosen with the arrow, orders renamed to purchases
    await page.getByLabel('Full data migration').check();
    await page.getByLabel('Choose schemas, tables and columns').check();
    const publicItem = page.getByRole('treeitem', { name: /^public \d+ relations?/ });
    await publicItem.click();
    await page.getByRole('button', { name: 'add to selected' }).click();
    // the schema counts what it has and what is selected; the tree marks the selected tables
    await page.getByText('3 relations, 3 selected').waitFor();
    await publicItem.press('ArrowRight');
    assert.equal(await page.locator('[role="treeitem"][aria-level="2"][aria-selected="true"]').count(), 3);
    // the Selected list: searched, each control named for its table, a whole schema removed at once
    await page.getByLabel('search selected').fill('ord');
    assert.deepEqual(await page.locator('ul.selected button.node').allInnerTexts(), ['orders']);
    assert.equal(await page.getByRole('button', { name: 'columns of public.orders' }).count(), 1);
    await page.getByLabel('search selected').fill('');
    await page.getByRole('button', { name: 'remove schema public' }).click();
    await page.getByText('Pick a schema or table on the left and press →.').waitFor();
    await publicItem.press('ArrowLeft');
    assert.equal(await publicItem.getAttribute('aria-expanded'), 'false');
    await publicItem.click();
    await page.getByRole('button', { name: 'add to selected' }).click();
    // a rename onto another selected table's name is flagged as it is typed, and holds Next
    await page.getByLabel('rename table public.orders').fill('customers');
    assert.equal(await page.getByTestId('clash-public.orders').innerText(), 'public.customers on the destination is also the name of public.customers');
    assert.equal(await page.getByRole('button', { name: 'Next: precheck' }).isDisabled(), true);
    await page.getByLabel('rename table public.orders').fill('purchases');
    assert.equal(await page.getByTestId('clash-public.orders').count(), 0);
    await page.getByText(/public\.orders is renamed to purchases after the migration/).waitFor();
    await publicItem.press('ArrowRight');
    await page.getByPlaceholder('Search tables').fill('key');
    await page.getByRole('treeitem').getByText('keyless').waitFor();
    await shot('03-objects.png', true);
    await page.getByRole('button', { name: 'Next: precheck' }).click();

    // (3) precheck: passes with a warning for the keyless table
    await page.getByText(/^Precheck passed/).waitFor({ timeout: 60_000 });
    const keys = page.locator('[data-item="primary-keys"]');
    assert.match(await keys.innerText(), /Tables without a primary key[\s\S]*public\.keyless/);
    assert.equal(await keys.locator('.icon').getAttribute('aria-label'), 'warn');
    // the warning comes first, the passes are folded below it; Next waits until the warning is acknowledged
    assert.equal(await page.getByRole('list', { name: 'warnings' }).locator('[data-item="primary-keys"]').count(), 1);
    const passes = page.locator('details.passes');
    assert.match(await passes.locator('summary').innerText(), /^\d+ checks passed$/);
    assert.equal(await passes.evaluate((d) => (d as HTMLDetailsElement).open), false);
    const next = page.getByRole('button', { name: 'Next: confirm' });
    assert.equal(await next.isDisabled(), true);
    await page.getByLabel(/^I have read the (warning|\d+ warnings) above and go on anyway$/).check();
    await shot('04-precheck.png', true);
    await next.click();

    // (4) confirm: what will move, the server's default jobs, field errors before Start; then the task page until 100 %
    assert.match(await page.getByTestId('confirm-summary').innerText(), /^3 tables, about 225,000 rows, [\d.]+ [kMG]?B on the source\n1 renamed \(tables and schemas\)\nnothing skipped\n\d+ precheck warning\(s\), acknowledged$/);
    assert.match(await page.locator('#jobs').inputValue(), /^\d+$/);
    await page.locator('#jobs').fill('0');
    await page.getByText('a whole number from 1 to 64').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Start migration' }).isDisabled(), true);
    await page.locator('#jobs').fill('2');
    await page.locator('#max-rate').fill('1');
    await shot('05-confirm.png', true);
    await page.getByRole('button', { name: 'Start migration' }).click();
    await page.waitForURL(/#\/tasks\//);
    await page.getByRole('heading', { name: /console-move/ }).waitFor();
    await shot('06-task-running.png', true);
    // while it copies at 1 MB/s: the time left, and each copying table's own rate
    await page.getByText(/; about \S.* left$/).waitFor({ timeout: 30_000 });
    await page.locator('table.units tr', { hasText: 'copying' }).locator('td.num').nth(2).getByText(/\/s$/).waitFor();
    // the throughput chart: an axis per unit, a clock, and the 1 MB/s cap drawn
    const chart = page.getByTestId('throughput-chart');
    await chart.waitFor({ timeout: 20_000 });
    assert.ok(await chart.locator('text', { hasText: / MB\/s$/ }).count() >= 5, 'an MB/s axis');
    assert.ok(await chart.locator('text', { hasText: / rows\/s$/ }).count() >= 5, 'a rows/s axis');
    assert.ok(await chart.locator('text', { hasText: /^\d\d:\d\d:\d\d$/ }).count() >= 2, 'a time axis');
    assert.equal(await chart.getByTestId('limit-line').count(), 1, 'the rate cap');
    // rows/s moves while a table copies (its share of the row estimate), not only when it is done
    await page.locator('section.card', { has: chart }).getByText(/rows\/s \(right\) now [1-9]/).waitFor({ timeout: 20_000 });
    // two tables may copy at once (jobs 2): either one showing the estimate will do
    await page.locator('table.units tr', { hasText: 'copying' }).getByText(/^~[\d,]+ of ~[\d,]+$/).first().waitFor();
    // the values at a point: under the pointer, or moved to with the keys
    await chart.locator('svg').hover();
    assert.match(await chart.getByTestId('chart-readout').innerText(), /^\d\d:\d\d:\d\d: [\d.,]+ MB\/s, [\d.,]+ rows\/s$/);
    await chart.locator('svg').focus();
    await page.keyboard.press('Home');
    assert.match(await chart.getByTestId('chart-readout').innerText(), /^\d\d:\d\d:\d\d: /);
    await shot('06b-task-copying.png');
    // jobs and the rate limit change while it runs (1 MB/s would take it about 10 s): field errors first
    const throughput = page.getByRole('form', { name: 'throughput' });
    await throughput.getByLabel('Jobs').fill('0');
    await throughput.getByText('a whole number from 1 to 64').waitFor();
    assert.equal(await throughput.getByRole('button', { name: 'Apply' }).isDisabled(), true);
    await throughput.getByLabel('Jobs').fill('3');
    await throughput.getByLabel('Max rate (MB/s)').fill('');
    await throughput.getByRole('button', { name: 'Apply' }).click();
    await page.getByText(/jobs 3 · max rate unlimited/).waitFor();
    const taskId = page.url().split('/').pop()!;
    const stored = await (await fetch(`http://127.0.0.1:${port}/api/tasks/${taskId}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    assert.deepEqual([stored.jobs, stored.maxRateMBps], [3, null]);
    await page.locator('.badge.state-completed').waitFor({ timeout: 120_000 });
    assert.equal(await page.getByRole('progressbar', { name: 'task progress' }).getAttribute('aria-valuenow'), '100');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('verify-result').getByText(/^Verify passed: 3 tables/).waitFor({ timeout: 60_000 });
    // the report table by table, kept with the task
    await page.getByTestId('verify-report').locator('summary').click();
    assert.match(await page.locator('table.verify-tables').innerText(), /public\.orders → public\.purchases\s+equal\s+200,000\s+200,000/);
    // numbers in the reader's format, right-aligned
    assert.match(await page.locator('table.units').innerText(), /public\.orders → public\.purchases\s+done\s+200,000/);
    assert.equal(await page.locator('table.units td.num').first().evaluate((td) => getComputedStyle(td).textAlign), 'right');
    await shot('07-task-page.png');
    // on a narrow screen the table scrolls sideways, and says so
    await page.setViewportSize({ width: 420, height: 900 });
    await page.getByTestId('scroll-hint').first().waitFor();
    assert.ok(await page.locator('.table-wrap:has(table.units)').evaluate((e) => e.scrollWidth > e.clientWidth), 'it scrolls');
    await shot('07b-task-page-narrow.png');
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.getByTestId('scroll-hint').first().waitFor({ state: 'detached' });
    // the verify result is stored with the task: a reload shows it, with when it ran
    await page.reload();
    await page.getByTestId('verify-result').getByText(/^Verify passed: 3 tables/).waitFor();
    assert.match(await page.getByTestId('verify-time').innerText(), /^verified \S/);
    assert.match(await page.getByTestId('totals').innerText(), /^Copied 225,000 rows/);
    // so is its throughput chart, with the run's peak and mean instead of a rate "now"
    const kept = page.getByTestId('throughput-chart');
    await kept.waitFor();
    assert.ok(await kept.locator('text', { hasText: / MB\/s$/ }).count() >= 5, 'an MB/s axis after a reload');
    assert.match(await page.locator('section.card', { has: kept }).innerText(), /MB\/s \(left\) peak \d+\.\d, mean \d+\.\d/);
    await shot('07c-task-page-reloaded.png');

    // the task list shows it, completed
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await page.getByRole('link', { name: 'console-move' }).waitFor();
    assert.match(await page.locator('table.tasks').innerText(), /console-move[\s\S]*completed/);
    await shot('08-task-list.png');
    await page.setViewportSize({ width: 420, height: 900 });
    await shot('09-task-list-narrow.png');

    const rows = await execSql(dst.uri, 'SELECT count(*)::int AS n FROM public.purchases');
    assert.equal(rows.rows[0].n, 200000);

    // sign out, a wrong token (the button stays where it was), then the right one
    await page.setViewportSize({ width: 1366, height: 800 });
    await page.getByRole('button', { name: 'Sign out' }).click();
    const signIn = page.getByRole('button', { name: 'Sign in' });
    await page.getByLabel('API token').fill('not-the-token');
    const before = await signIn.boundingBox();
    await signIn.click();
    await page.getByRole('alert').getByText(/./).waitFor();
    assert.deepEqual(await signIn.boundingBox(), before);
    await page.getByLabel('API token').fill(TOKEN);
    await signIn.click();
    await page.getByRole('link', { name: 'console-move' }).waitFor();
    assert.deepEqual(cspViolations, []);
  });

  it('shows a task whose target rejected a table in red, with the count and a link to the objects, in the list and on its page', async () => {
    const s = await server('15', 'src');
    const d = await server('15', 'dst');
    const src = await freshDatabase(s, 'console_rejects');
    const dst = await freshDatabase(d, 'console_rejects');
    await execSql(src.uri, `
      CREATE TABLE items (id int PRIMARY KEY, name text);
      CREATE TABLE orders (id int PRIMARY KEY, item_id int REFERENCES items (id));
      INSERT INTO items SELECT g, 'i' || g FROM generate_series(1, 100) g;
      INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
      DO $$ BEGIN FOR i IN 1..60 LOOP EXECUTE format('CREATE TABLE small_%s (id int PRIMARY KEY)', i); END LOOP; END $$;`);
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${port}${url}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, json: await res.json() };
    };
    const side = (p: number, database: string) => ({ host: '127.0.0.1', port: p, database, user: 'postgres' });
    const created = await call('POST', '/api/tasks', { name: 'console-rejects', source: side(s.port, src.name), target: side(d.port, dst.name) });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const id = created.json.id as string;
    assert.equal((await call('POST', `/api/tasks/${id}/precheck`)).json.passed, true);
    // after the precheck passed, a table of the same name appears on the target
    await execSql(dst.uri, 'CREATE TABLE items (x int)');
    // a task that never ran: Start (its precheck passed), no Verify; started from its page
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(`http://127.0.0.1:${port}/#/tasks/${id}`);
    await page.getByTestId('not-started').getByText(/^Not started yet\. The last precheck passed/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Verify' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await waitFor('the run to end', async () => ((await call('GET', `/api/tasks/${id}`)).json.state.startsWith('completed') ? true : undefined), 120_000);

    await page.goto(`http://127.0.0.1:${port}/#/`);
    const row = page.locator('table.tasks tr', { hasText: 'console-rejects' });
    await row.waitFor();
    const badge = row.locator('.badge.state-completed-with-errors');
    assert.equal(await badge.innerText(), 'completed with errors');
    assert.equal(await row.locator('.badge.state-completed').count(), 0, 'never the plain green completed');
    assert.equal(await badge.evaluate((e) => getComputedStyle(e).color), 'rgb(164, 14, 38)', 'red');
    const link = row.locator('a.outcome-link');
    assert.equal(await link.innerText(), '1 rejected, 3 not tried');
    assert.equal(await link.getAttribute('href'), `#/tasks/${id}/objects`);
    await shot('10-task-list-rejected.png', true);

    await link.click();
    await page.getByRole('heading', { name: /console-rejects/ }).waitFor();
    assert.equal(await page.locator('h1 .badge').innerText(), 'completed with errors');
    const banner = page.getByTestId('outcome');
    assert.match(await banner.innerText(), /^Completed with errors: 1 object rejected by the destination; 3 not tried because they needed one\. See the objects$/);
    assert.equal(await banner.evaluate((e) => getComputedStyle(e).borderColor), 'rgb(207, 34, 46)', 'a red frame');
    assert.equal(await banner.getByRole('link', { name: 'See the objects' }).getAttribute('href'), `#/tasks/${id}/objects`);
    const objects = page.locator('#objects');
    assert.match(await objects.innerText(), /table public\.items: rejected by the target: relation "items" already exists/);
    assert.match(await objects.innerText(), /table data public\.items: not tried — it needs table public\.items/);
    assert.ok(await objects.evaluate((e) => { const r = e.getBoundingClientRect(); return r.top < window.innerHeight && r.bottom > 0; }), 'the link scrolled to the objects');
    // 62 tables: a page of 50 at a time, and a filter
    assert.equal(await page.locator('table.units tbody tr').count(), 50);
    await page.getByText('62 tables, page 1 of 2').waitFor();
    await page.getByLabel('Filter').fill('items');
    await page.getByText('1 of 62 tables').waitFor();
    assert.match(await page.locator('table.units').innerText(), /public\.items\s+not copied/);
    // history lines carry their date
    assert.match(await page.locator('ul.history li').first().innerText(), /^\d{1,2}\/\d{1,2}\/\d{4}, \d{1,2}:\d{2}:\d{2} [AP]M run 1 started/);
    await shot('11-task-page-rejected.png', true);

    // the event log has what the runs list leaves out (the object the target rejected), and finds by text
    const origLog = page.getByRole('region', { name: 'event log' });
    await origLog.getByLabel('Find').fill('already exists');
    assert.match(await origLog.locator('li').first().innerText(), /object-failed .*public\.items/);
    await origLog.getByLabel('Find').fill('');
    await shot('11b-event-log.png');

    // Duplicate: a new task with its settings, on its own page, ready for a precheck
    await page.getByRole('button', { name: 'Duplicate' }).click();
    await page.getByRole('heading', { name: /^console-rejects \(copy\)/ }).waitFor();
    const copyId = page.url().split('/').pop()!;
    assert.notEqual(copyId, id);
    await page.getByTestId('not-started').waitFor();
    // the event log: every kind of entry, dated, newest first, filtered by kind
    const log = page.getByRole('region', { name: 'event log' });
    assert.match(await log.locator('li').first().innerText(), /^\d{1,2}\/\d{1,2}\/\d{4}, .* duplicate duplicated from console-rejects \(/);
    await log.getByLabel('Kind').selectOption('created');
    assert.equal(await log.locator('li').count(), 1);
    const copy = (await call('GET', `/api/tasks/${copyId}`)).json;
    assert.deepEqual([copy.spec.source.database, copy.spec.target.database, copy.state], [src.name, dst.name, 'created']);
    // Edit a copy: the wizard filled in from it, passwords to be typed again
    await page.getByRole('link', { name: 'Edit a copy' }).click();
    await page.getByTestId('from-task').getByText(/^A copy of console-rejects \(copy\), to change before it is created\. Passwords never leave the server/).waitFor();
    assert.deepEqual(
      [await page.locator('#task-name').inputValue(), await page.locator('#source-database').inputValue(), await page.locator('#target-port').inputValue(), await page.locator('#source-password').inputValue()],
      ['console-rejects (copy) (copy)', src.name, String(d.port), ''],
    );
    await shot('01b-wizard-from-task.png');
      assert.deepEqual(cspViolations, []);
    });

  it('walks the wizard by keyboard alone, past 300 tables, in a bounded number of Tab stops per step', async () => {
    const s = await server('15', 'src');
    const src = await freshDatabase(s, 'console_keys');
    // the first 30 without a key: the precheck's warning names more objects than it shows at first
    await execSql(src.uri, `DO $$ BEGIN FOR i IN 1..300 LOOP
      EXECUTE format('CREATE TABLE t%s (id int %s)', lpad(i::text, 3, '0'), CASE WHEN i > 30 THEN 'PRIMARY KEY' ELSE '' END); END LOOP; END $$;`);
    const d = await server('15', 'dst');
    const dst = await freshDatabase(d, 'console_keys');
    // a table already on the destination: a rename onto its name is flagged as it is typed
    await execSql(dst.uri, 'CREATE TABLE taken (id int)');
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(`http://127.0.0.1:${port}/#/new`);
    await page.locator('#task-name').waitFor();
    // Tab until the focus is on `selector`; the presses are counted for the step
    let presses = 0;
    const tabTo = async (selector: string) => {
      for (let n = 0; n < 40; n++) {
        await page.keyboard.press('Tab');
        presses++;
        if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
      }
      assert.fail(`${selector} not reached in 40 Tab presses`);
    };
    const perStep: number[] = [];
    const stepDone = () => { perStep.push(presses); presses = 0; };
    const typeOver = async (text: string) => { await page.keyboard.press('ControlOrMeta+A'); await page.keyboard.type(text); };
    const focused = () => page.evaluate(() => document.activeElement?.textContent ?? '');

    // (1) fields typed, each side tested with Enter
    await tabTo('#task-name');
    await page.keyboard.type('keyboard-move');
    for (const [side, db, p] of [['source', src.name, s.port], ['target', dst.name, d.port]] as const) {
      await tabTo(`#${side}-port`);
      await typeOver(String(p));
      await tabTo(`#${side}-database`);
      await page.keyboard.type(db);
      await page.keyboard.press('Enter');
      await page.getByTestId(`result-${side}`).getByText(/^Passed/).waitFor();
    }
    await tabTo('button.primary');
    await page.keyboard.press('Enter');
    stepDone();

    // (2) the schema's 300 tables chosen in the tree with the arrows and Enter; one removed with Delete
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'types and objects');
    await tabTo('input[name="scope"]:checked');
    await page.keyboard.press('ArrowDown');
    await page.getByRole('treeitem').first().waitFor();
    await tabTo('[role="treeitem"]');
    assert.match(await focused(), /^public 300 relations/);
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByRole('treeitem', { name: /^public / }).getAttribute('aria-expanded'), 'true');
    await page.keyboard.press('ArrowDown');
    assert.match(await focused(), /^t001 table/);
    await page.keyboard.press('End');
    assert.match(await focused(), /^t300 table/);
    await page.keyboard.press('ArrowLeft');
    assert.match(await focused(), /^public /);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.locator('[role="treeitem"][aria-level="2"]').count(), 0, 'closed');
    await page.keyboard.press('Enter');
    await page.getByText('300 relations, 300 selected').waitFor();
    await tabTo('ul.selected button[data-pick]');
    assert.equal(await focused(), 't001');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(), 't002');
    await page.keyboard.press('Delete');
    await page.getByText('300 relations, 299 selected').waitFor();
    await page.waitForFunction(() => document.activeElement?.textContent === 't003');
    await tabTo('input[aria-label="rename table public.t003"]');
    await page.keyboard.type('taken');
    assert.equal(await page.getByTestId('clash-public.t003').innerText(), 'public.taken already exists on the destination: rename it, or drop that one first');
    assert.equal(await page.getByRole('button', { name: 'Next: precheck' }).isDisabled(), true);
    await typeOver('t003_moved');
    await page.getByTestId('clash-public.t003').waitFor({ state: 'detached' });
    await shot('03b-objects-keyboard.png');
    await tabTo('button.primary');
    await page.keyboard.press('Enter');
    stepDone();

    // (3) precheck: warnings (if any) acknowledged with Space
    await page.getByText(/^Precheck passed/).waitFor({ timeout: 60_000 });
    // 29 keyless tables selected: 20 listed, the rest on demand
    const keyless = page.locator('[data-item="primary-keys"]');
    assert.equal(await keyless.locator('ul.objects li').count(), 20);
    await tabTo('[data-item="primary-keys"] button.link');
    assert.equal(await focused(), 'Show all 29 (9 more)');
    await page.keyboard.press('Enter');
    assert.equal(await keyless.locator('ul.objects li').count(), 29);
    await tabTo('label.ack input');
    await page.keyboard.press('Space');
    await tabTo('button.primary');
    await page.keyboard.press('Enter');
    stepDone();

    // (4) confirm and start
    assert.match(await page.getByTestId('confirm-summary').innerText(), /^299 tables/);
    await tabTo('button.primary');
    assert.equal(await focused(), 'Start migration');
    await page.keyboard.press('Enter');
    stepDone();
    await page.waitForURL(/#\/tasks\//);
    await page.locator('.badge.state-completed').waitFor({ timeout: 180_000 });
    const made = await execSql(dst.uri, `SELECT count(*) FILTER (WHERE relname = 't003_moved') AS moved, count(*) FILTER (WHERE relname = 't002') AS removed, count(*) AS n FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace`);
    assert.deepEqual(made.rows[0], { moved: '1', removed: '0', n: '300' }, '299 tables and the one that was there');
    console.log(`Tab presses per wizard step (300 tables in the tree, 299 selected): ${perStep.join(', ')}`);
    for (const [i, n] of perStep.entries()) assert.ok(n <= 25, `step ${i + 1} took ${n} Tab presses`);
    assert.deepEqual(cspViolations, []);
  });

  it('shows partitions under their table, finds one by name, and says what happens to a partition picked alone', async () => {
    const s = await server('15', 'src');
    const src = await freshDatabase(s, 'console_parts');
    await execSql(src.uri, `
      CREATE SCHEMA archive;
      CREATE TABLE orders (id int, placed date) PARTITION BY RANGE (placed);
      CREATE TABLE orders_2024 PARTITION OF orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE archive.orders_2019 PARTITION OF orders FOR VALUES FROM ('2019-01-01') TO ('2020-01-01');
      INSERT INTO orders SELECT g, '2024-03-01' FROM generate_series(1, 300) g;
      ANALYZE orders_2024;`);
    const d = await server('15', 'dst');
    const dst = await freshDatabase(d, 'console_parts');
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(`http://127.0.0.1:${port}/#/new`);
    for (const [side, db, p] of [['source', src.name, s.port], ['target', dst.name, d.port]] as const) {
      await page.locator(`#${side}-host`).fill('127.0.0.1');
      await page.locator(`#${side}-port`).fill(String(p));
      await page.locator(`#${side}-database`).fill(db);
      await page.locator(`#${side}-user`).fill('postgres');
      await page.getByTestId(`test-${side}`).click();
      await page.getByTestId(`result-${side}`).getByText(/^Passed/).waitFor();
    }
    await page.getByRole('button', { name: 'Next: types and objects' }).click();
    await page.getByLabel('Choose schemas, tables and columns').check();

    // the archive schema lists no table of its own: its partition is under public.orders
    await page.getByPlaceholder('Search tables').fill('orders_2019');
    const found = page.getByRole('treeitem', { name: /^archive\.orders_2019 partition of orders/ });
    await found.waitFor();
    assert.match(await page.getByRole('treeitem', { name: /^orders partitioned table/ }).innerText(), /2 partitions, 300 rows/);
    await shot('12-partition-search.png');

    // picked alone: the console says it is refused, then what the option does
    await found.click();
    await page.getByRole('button', { name: 'add to selected' }).click();
    const note = page.getByTestId('partition-note-archive.orders_2019');
    assert.match(await note.innerText(), /partition of public\.orders, selected alone: refused unless created as a plain table/);
    await page.getByText(/PGFERRY_E_USAGE: 1 partition\(s\) are selected without their partitioned table: archive\.orders_2019 \(of public\.orders\)/).waitFor();
    await page.getByLabel('Create partitions selected without their table as plain tables').check();
    await note.getByText(/created as a plain table with its own rows/).waitFor();
    await page.getByText(/partition archive\.orders_2019 is created as a plain table \(partitionsAsTables\)/).waitFor();
    await shot('13-partition-alone.png');
    assert.deepEqual(cspViolations, []);
  });
});
