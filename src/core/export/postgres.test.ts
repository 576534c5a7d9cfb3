/**
 * The PostgreSQL script loads into a real server: a throwaway cluster (initdb in a temp dir, unix socket
 * in that dir, no TCP) started and stopped by this file. Needs Debian's `postgresql` package
 * (initdb/pg_ctl in /usr/lib/postgresql/<v>/bin, psql); skips with a message only when it is absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Dictionary, Float64, Int32, Table, TimestampMillisecond, Utf8, makeData, makeVector, vectorFromArray } from 'apache-arrow';
import type { ColumnSchema, TableSchema } from '../schema/types';
import { postgresType, quoteIdent, toPostgresScript } from './postgres';
import { ingest } from '../data/ingest';
import { nodeFileSource } from '../data/node-source';

const DATA = path.resolve(process.cwd(), '../shared/data');

function findPgBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : null;
}
const PG_BIN = findPgBin();
const PSQL = PG_BIN && existsSync(path.join(PG_BIN, 'psql')) ? path.join(PG_BIN, 'psql') : existsSync('/usr/bin/psql') ? '/usr/bin/psql' : null;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const pgUser = (() => {
  if (!isRoot) return null;
  try {
    const [uid, gid] = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim().split(/\s+/).map(Number).concat(
      Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
    );
    return { uid, gid };
  } catch {
    return null;
  }
})();
const available = !!PG_BIN && !!PSQL && (!isRoot || !!pgUser);
if (!available) {
  console.warn(
    'SKIPPED PostgreSQL load test: PostgreSQL server binaries not found (install Debian\'s package: apt-get install -y postgresql)' +
      (isRoot && PG_BIN ? ' — or no "postgres" user to run the server as root' : ''),
  );
}

/** Run a PostgreSQL binary, as the postgres user when we are root (the server refuses to run as root). */
function pg(bin: string, args: string[], timeout = 20_000): string {
  const cmd = bin.startsWith('/') ? bin : path.join(PG_BIN!, bin);
  const full = isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] as const : [cmd, args] as const;
  return execFileSync(full[0], [...full[1]], { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
}

describe.skipIf(!available)('PostgreSQL script loads into a real server', () => {
  let dir = '';
  let port = 0;
  const psql = (args: string[]) => pg(PSQL!, ['-X', '-q', '-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', ...args]);
  const query = (sql: string) => psql(['-At', '-F', '|', '-c', sql]).trim();
  const load = (name: string, script: string) => {
    const file = path.join(dir, `${name}.sql`);
    writeFileSync(file, script);
    if (pgUser) chownSync(file, pgUser.uid, pgUser.gid);
    return psql(['-f', file]);
  };
  const columnTypes = (table: string) =>
    Object.fromEntries(
      query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`)
        .split('\n')
        .map((l) => l.split('|')),
    );

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'doppel-pg-'));
    chmodSync(dir, 0o700);
    if (pgUser) chownSync(dir, pgUser.uid, pgUser.gid);
    port = 20000 + Math.floor(Math.random() * 40000);
    pg('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'], 60_000);
    // Unix socket in the temp dir only (listen_addresses empty): no port clash with any other server.
    pg('pg_ctl', ['-D', path.join(dir, 'data'), '-l', path.join(dir, 'log'), '-w', '-t', '30', '-o', `-k ${dir} -p ${port} -c listen_addresses='' -c fsync=off`, 'start'], 40_000);
  }, 90_000);

  afterAll(() => {
    if (!dir) return;
    try {
      pg('pg_ctl', ['-D', path.join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* already down */
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('hand-built table: types, values, nulls, awkward names and text', () => {
    const col = (name: string, kind: ColumnSchema['kind'], extra: Partial<ColumnSchema> = {}): ColumnSchema => ({ name, kind, excluded: false, missing: 0, distinct: 0, ...extra });
    const dict = (xs: (string | null)[]) => vectorFromArray(xs, new Dictionary(new Utf8(), new Int32()));
    const ts = new BigInt64Array([BigInt(Date.UTC(2020, 0, 31, 8, 30, 5, 250)), 0n, BigInt(Date.UTC(1999, 11, 1))]);
    const table = new Table({
      'alk.phos': vectorFromArray([721.5, null, 1000.25], new Float64()),
      'glyburide-metformin': dict(['No', 'Steady', null]),
      age: vectorFromArray([63, null, 41], new Int32()),
      big: vectorFromArray([3_000_000_000, 1, null], new Float64()),
      smoker: dict(['yes', 'no', null]),
      cp: dict(['4', '1', '2']),
      'say "hi"': vectorFromArray(['tab\there', 'line\nbreak\\slash', '\\.'], new Utf8()),
      visit: makeVector(makeData({ type: new TimestampMillisecond(), length: 3, nullCount: 1, nullBitmap: new Uint8Array([0b101]), data: ts as never })),
      born: makeVector(makeData({ type: new TimestampMillisecond(), length: 3, data: new BigInt64Array([0n, 86_400_000n, -86_400_000n]) as never })),
    });
    const schema: TableSchema = {
      rows: 3,
      columns: [
        col('alk.phos', 'continuous', { decimals: 2 }),
        col('glyburide-metformin', 'categorical'),
        col('age', 'integer'),
        col('big', 'integer'),
        col('smoker', 'boolean'),
        col('cp', 'categorical'),
        col('say "hi"', 'text'),
        col('visit', 'datetime', { datetimeFormat: 'yyyy-mm-dd hh:mm:ss' }),
        col('born', 'datetime', { datetimeFormat: 'dd/mm/yyyy' }),
      ],
    };
    load('hand', toPostgresScript(table, schema, { tableName: 'Hand Built' }));
    expect(query('SELECT count(*) FROM "Hand Built"')).toBe('3');
    expect(columnTypes('Hand Built')).toEqual({
      'alk.phos': 'double precision',
      'glyburide-metformin': 'text',
      age: 'integer',
      big: 'bigint',
      smoker: 'boolean',
      cp: 'integer',
      'say "hi"': 'text',
      visit: 'timestamp without time zone',
      born: 'date',
    });
    const rows = query(
      `SELECT "alk.phos", "glyburide-metformin", age, big, smoker, cp, replace(replace("say ""hi""", E'\\t', '<TAB>'), E'\\n', '<LF>'), visit, born FROM "Hand Built" ORDER BY cp`,
    ).split('\n');
    expect(rows).toEqual([
      '|Steady||1|f|1|line<LF>break\\slash||1970-01-02',
      '1000.25||41|||2|\\.|1999-12-01 00:00:00|1969-12-31',
      '721.5|No|63|3000000000|t|4|tab<TAB>here|2020-01-31 08:30:05.25|1970-01-01',
    ]);
    // Loading twice fails rather than silently appending; dropExisting replaces.
    expect(() => load('again', toPostgresScript(table, schema, { tableName: 'Hand Built' }))).toThrow();
    load('replace', toPostgresScript(table.slice(0, 2), schema, { tableName: 'Hand Built', dropExisting: true, schemaName: 'research' }));
    expect(query('SELECT count(*) FROM research."Hand Built"')).toBe('2');
  });

  it('real shared data (pbcseq with alk.phos, diabetes130 with glyburide-metformin): every row, matching types', async () => {
    const pbc = await ingest(nodeFileSource(path.join(DATA, 'pbcseq.csv')));
    load('pbcseq', toPostgresScript(pbc.table, pbc.schema, { tableName: 'pbcseq_synth' }));
    expect(Number(query('SELECT count(*) FROM pbcseq_synth'))).toBe(pbc.table.numRows);
    const types = columnTypes('pbcseq_synth');
    expect(Object.keys(types)).toEqual(pbc.schema.columns.map((c) => c.name));
    for (const c of pbc.schema.columns) {
      const want = postgresType(pbc.table.getChild(c.name), c);
      expect(types[c.name]).toBe(want === 'timestamp' ? 'timestamp without time zone' : want);
      if (c.kind === 'continuous') expect(want).toBe('double precision');
      if (c.kind === 'integer') expect(want).toBe('integer');
    }
    // Null counts in the database equal the schema's missing counts.
    const nulls = query(`SELECT ${pbc.schema.columns.map((c) => `count(*) - count(${quoteIdent(c.name)})`).join(', ')} FROM pbcseq_synth`).split('|').map(Number);
    expect(nulls).toEqual(pbc.schema.columns.map((c) => c.missing));
    expect(Number(query('SELECT round(sum("alk.phos")::numeric, 2) FROM pbcseq_synth'))).toBeCloseTo(
      (pbc.table.getChild('alk.phos')!.toArray() as Float64Array).reduce((s, v, i) => s + (pbc.table.getChild('alk.phos')!.isValid(i) ? v : 0), 0),
      1,
    );

    const dia = await ingest(nodeFileSource(path.join(DATA, 'diabetes130_sample20k.csv')));
    const small = dia.table.slice(0, 2000);
    load('diabetes', toPostgresScript(small, dia.schema, { tableName: 'diabetes_synth' }));
    expect(Number(query('SELECT count(*) FROM diabetes_synth'))).toBe(2000);
    expect(columnTypes('diabetes_synth')['glyburide-metformin']).toBe('text');
    const distinct = query('SELECT DISTINCT "glyburide-metformin" FROM diabetes_synth ORDER BY 1').split('\n');
    const labels = new Set<string>();
    const v = small.getChild('glyburide-metformin')!;
    for (let i = 0; i < small.numRows; i++) if (v.get(i) !== null) labels.add(String(v.get(i)));
    expect(distinct).toEqual([...labels].sort());
  }, 60_000);
});
