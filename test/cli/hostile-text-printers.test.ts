import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/cli/common/table.ts';
import { TimelinePrinter } from '../../src/cli/common/timeline-printer.ts';
import { colorPreview } from '../../src/cli/common/session.ts';
import { isSafeText } from '../../src/model/text.ts';
import { openRegistry } from '../../src/registry/index.ts';
import { cli } from '../helpers/cli.ts';

// Router replies as a hostile device (or one whose config a tenant named) would send them.
const ROUTER_ERROR = '% Invalid command: \u001b]0;owned\u0007\u001b[2J\u009b31m';
const ROUTER_ERROR_SHOWN = '% Invalid command: \\x1b]0;owned\\x07\\x1b[2J\\x9b31m';
const CONFIG_LINE = 'set interfaces ethernet eth0 description "\u202eevil\u001b[8m"';

/** Our own colour codes (SGR) removed: what is left must hold nothing a terminal would act on. */
function withoutOwnColours(text: string): string {
  return text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
}

const unsafe = (text: string) => text.split('\n').filter((line) => !isSafeText(line));

describe('the CLI printers escape device text', () => {
  it('renderTable: hostile cells are escaped, measured escaped, and only our colours remain', () => {
    const rows = [
      { name: 'hv1', error: ROUTER_ERROR },
      { name: 'hv2', error: '' },
    ];
    const out = renderTable(
      rows,
      [
        { header: 'DEVICE', value: (r) => r.name },
        { header: 'ERROR', value: (r) => r.error, color: () => 'red' },
        { header: 'END', value: () => 'x' },
      ],
      { color: true },
    );
    const plain = withoutOwnColours(out);
    expect(unsafe(plain)).toEqual([]);
    expect(plain).toContain(ROUTER_ERROR_SHOWN);
    const [header, ...lines] = plain.trimEnd().split('\n');
    for (const line of lines) expect(line.indexOf('x', header!.indexOf('END'))).toBe(header!.indexOf('END'));
  });

  it('a table clipped to the terminal width counts the escapes, not the raw bytes', () => {
    const out = renderTable([{ e: ROUTER_ERROR }], [{ header: 'ERROR', value: (r) => r.e }], { width: 30 });
    for (const line of out.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(30);
    expect(out.split('\n')[1]).toBe(`${ROUTER_ERROR_SHOWN.slice(0, 29)}…`);
  });

  it("apply's timeline: a router's error and a command are printed escaped, one line each", () => {
    let out = '';
    const printer = new TimelinePrinter({
      write: (chunk: string) => ((out += chunk), true),
    } as unknown as NodeJS.WritableStream);
    printer.event({ type: 'start', planId: 'p1', at: 0 });
    printer.event({ type: 'step-start', step: 's1', device: 'spine1', at: 1 });
    printer.event({ type: 'command', step: 's1', device: 'spine1', command: CONFIG_LINE, code: 1, at: 2 });
    printer.event({
      type: 'step-done',
      step: 's1',
      outcome: 'failed',
      error: `${ROUTER_ERROR}\nline 2`,
      at: 3,
    });
    printer.event({ type: 'done', status: 'failed', at: 4 });
    expect(unsafe(out)).toEqual([]);
    expect(out).toContain(`step s1 failed (2 ms): ${ROUTER_ERROR_SHOWN} line 2`);
    expect(out).toContain('description "\\u202eevil\\x1b[8m"');
  });

  it("the plan preview: device config quoted in the diff is escaped; colours are the preview's own", () => {
    const preview = `Config per device:\n--- spine1\n+++ spine1\n- ${CONFIG_LINE}\n+ set protocols bgp\n`;
    const coloured = colorPreview(preview, true);
    expect(unsafe(withoutOwnColours(coloured))).toEqual([]);
    expect(coloured).toContain(
      '\u001b[31m- set interfaces ethernet eth0 description "\\u202eevil\\x1b[8m"\u001b[0m',
    );
    expect(unsafe(colorPreview(preview, false))).toEqual([]);
  });

  it('audit: a message and a diff line quoting the router are escaped; --json keeps them exact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routedeck-hostile-audit-'));
    const inventory = join(dir, 'inventory.yaml');
    writeFileSync(
      inventory,
      'devices: [{ name: spine1, role: router, kind: vyos, host: 127.0.0.1, port: 9 }]\n',
    );
    const path = join(dir, 'registry.sqlite');
    const registry = openRegistry({ path });
    registry.appendAudit({
      at: '2026-12-03T09:00:00.000Z',
      operator: 'noc',
      planId: 'p1',
      kind: 'step',
      device: 'spine1',
      outcome: 'failed',
      message: ROUTER_ERROR,
    });
    registry.appendAudit({
      at: '2026-12-03T09:00:01.000Z',
      operator: 'noc',
      planId: 'p1',
      kind: 'diff',
      device: 'spine1',
      diff: { device: 'spine1', before: [CONFIG_LINE], after: [] },
      outcome: 'ok',
      message: 'config before and after',
    });
    registry.close();
    const text = await cli(['audit', '--inventory', inventory, '--registry', path]);
    expect(text.code).toBe(0);
    expect(unsafe(text.stdout)).toEqual([]);
    expect(text.stdout).toContain(ROUTER_ERROR_SHOWN);
    expect(text.stdout).toContain('- set interfaces ethernet eth0 description "\\u202eevil\\x1b[8m"');
    const json = await cli(['audit', '--inventory', inventory, '--registry', path, '--json']);
    expect(unsafe(json.stdout)).toEqual([]);
    expect((JSON.parse(json.stdout) as { message: string }[])[0]!.message).toBe(ROUTER_ERROR);
  });
});
