import { describe, expect, it } from 'vitest';
import { parseConfigJson } from '../../../lib/config/json.ts';
import { configAsJson, parseConfig } from '../../../lib/config/load.ts';
import { decimal } from '../../../lib/money/index.ts';
import { configErrorOf } from '../../support/config-error.ts';

const ACCOUNT = `accounts:
  - id: sora
    provider: soracom
    credentials:
      authKeyId: env:SORACOM_AUTH_KEY_ID
      authKey: env:SORACOM_AUTH_KEY
`;

const problems = (yaml: string): string[] =>
  configErrorOf(() => parseConfig(yaml, 'spendwatch.yaml')).message.split('\n');

describe('config', () => {
  it('parses a valid config with defaults filled in', () => {
    const config = parseConfig(`${ACCOUNT}budgets:
  - name: fleet
    account: sora
    amount: 30000
    currency: JPY
    thresholds:
      - at: 80%
      - at: 25000
        basis: forecast
        severity: critical
`);
    expect(config.accounts[0]).toMatchObject({
      id: 'sora',
      provider: 'soracom',
      timeZone: 'Asia/Tokyo',
      periodStartDay: 1,
    });
    const budget = config.budgets[0]!;
    expect(budget).toMatchObject({ name: 'fleet', measure: 'cost', measureUnit: 'JPY', forecastMinDays: 3 });
    expect(budget.thresholds.map((t) => [t.id, t.written, t.level.toFixed(), t.severity])).toEqual([
      ['actual-80pct', '80%', '24000', 'warning'],
      ['forecast-25000', '25000', '25000', 'critical'],
    ]);
  });

  it('names the line, the path, the value and the fix for a typo', () => {
    const lines = problems(`${ACCOUNT}budgets:
  - name: fleet
    account: sora
    ammount: 30000
    currency: JPY
    thresholds: [{ at: 80% }]
`);
    expect(lines).toContain(
      '  spendwatch.yaml:10:5: budgets[0].ammount: unknown field "ammount"; did you mean "amount"?',
    );
    expect(lines).toContain('  spendwatch.yaml:8:5: budgets[0].amount: required field "amount" is missing');
  });

  it('explains invalid values with what would be valid', () => {
    const lines = problems(`${ACCOUNT}budgets:
  - name: fleet
    account: sora
    amount: 30000
    currency: JPX
    thresholds:
      - at: 80 %
        basis: forcast
`);
    expect(lines.join('\n')).toContain(
      'spendwatch.yaml:11:15: budgets[0].currency = "JPX": expected an ISO 4217 currency code such as USD, EUR or JPY',
    );
    expect(lines.join('\n')).toContain(
      'budgets[0].thresholds[0].at = "80 %": expected a percent of the budget like "80%"',
    );
    expect(lines.join('\n')).toMatch(/budgets\[0\]\.thresholds\[0\]\.basis = "forcast": .*"forecast"/);
  });

  it('rejects secrets written inline and unknown providers', () => {
    const lines = problems(`accounts:
  - id: sora
    provider: soracom
    credentials:
      authKeyId: keyId-abc
      authKey: secret-abcdef
  - id: aws
    provider: amazon
`);
    const text = lines.join('\n');
    // A secret pasted inline is named by its first two characters and its length, never printed back.
    expect(text).toContain(
      'accounts[0].credentials.authKey = "se…" (13 characters, not shown): expected a secret reference: env:NAME, ssm:/path or secretsmanager:name',
    );
    expect(text).not.toContain('abcdef');
    expect(text).toMatch(/accounts\[1\].*expected "provider" to be one of: .*soracom/);
  });

  it('checks references between budgets and accounts', () => {
    const text = problems(`${ACCOUNT}budgets:
  - name: fleet
    account: soraa
    amount: 1
    currency: JPY
    thresholds: [{ at: 50% }]
  - name: fleet
    account: sora
    amount: 1
    thresholds: [{ at: 50% }]
`).join('\n');
    expect(text).toContain(
      'spendwatch.yaml:9:14: budgets[0].account = "soraa": no account with id "soraa"; defined: sora',
    );
    expect(text).toContain('budgets[1].name = "fleet": duplicate budget name');
    expect(text).toContain(
      'budgets[1]: say what the amount is in: currency: USD (a cost budget) or unit: api-calls (a usage budget)',
    );
  });

  it('lets a Kill Bill account list no subscription only when no budget reads it (chargeback only)', () => {
    const killbill = `  - id: billing
    provider: killbill
    baseUrl: https://killbill.example.com
    credentials: { username: env:U, password: env:P, apiKey: env:K, apiSecret: env:S }
`;
    const chargebackOnly = parseConfig(`${ACCOUNT}${killbill}budgets:
  - name: fleet
    account: sora
    amount: 1
    currency: JPY
    thresholds: [{ at: 50% }]
`);
    expect(chargebackOnly.accounts[1]?.settings).toMatchObject({ subscriptions: [] });
    const watched = (name: string, measure: string) =>
      problems(`${ACCOUNT}${killbill}budgets:
  - { name: ${name}, account: billing, amount: 1000, ${measure}, thresholds: [{ at: 50% }] }
`).join('\n');
    const text = watched('api-calls', 'unit: api-calls');
    expect(text).toMatch(
      /spendwatch\.yaml:7:5: accounts\[1\].*usage budget "api-calls" watches this Kill Bill account, which lists no subscription.*add subscriptions: \[/,
    );
    // A cost budget prices the upcoming invoices of the Kill Bill accounts the account names.
    const cost = watched('invoices', 'currency: USD');
    expect(cost).toMatch(
      /accounts\[1\].*cost budget "invoices" watches this Kill Bill account, which names no Kill Bill account whose upcoming invoice to price; add accounts: all/,
    );
    expect(watched('spiky', 'currency: USD, anomaly: { minAmount: 10 }')).toMatch(
      /accounts\[1\].*budget "spiky" has an anomaly rule, but a Kill Bill reading has no daily series/,
    );
  });

  it('takes the Kill Bill accounts to price as all or a list of UUIDs and external keys, read hourly by default', () => {
    const billing = (fields: string) => `${ACCOUNT}  - id: billing
    provider: killbill
    baseUrl: https://killbill.example.com
${fields}
    credentials: { username: env:U, password: env:P, apiKey: env:K, apiSecret: env:S }
budgets:
  - name: invoices
    account: billing
    amount: 1000
    currency: USD
    thresholds: [{ at: 50% }]
`;
    const all = parseConfig(billing('    accounts: all'));
    expect(all.accounts[1]).toMatchObject({ readEveryMinutes: 60, settings: { accounts: 'all' } });
    const listed = parseConfig(
      billing('    accounts: [acme-corp, 0f3a6b1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b]\n    readEveryMinutes: 15'),
    );
    expect(listed.accounts[1]).toMatchObject({
      readEveryMinutes: 15,
      settings: { accounts: ['acme-corp', '0f3a6b1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b'] },
    });
    expect(problems(billing('    accounts: acme-corp')).join('\n')).toContain(
      'accounts[1].accounts = "acme-corp": expected all, or a list of Kill Bill account UUIDs or external keys',
    );
    expect(problems(billing('    accounts: [acme, acme]')).join('\n')).toContain('list each account once');
    // Without dry runs, an account is read every run, as before.
    expect(
      parseConfig(
        billing('    accounts: all')
          .replace('currency: USD', 'unit: calls')
          .replace('accounts: all', 'subscriptions: [365987b2-5443-47e4-a467-c8962fc6995c]'),
      ).accounts[1]?.readEveryMinutes,
    ).toBeUndefined();
  });

  it('holds resources to their own amounts only with each: resource, from a tag only where readings carry tags', () => {
    const config = parseConfig(`${ACCOUNT}budgets:
  - name: any-sim
    account: sora
    each: resource
    amount: 1000
    currency: JPY
    amountTag: "tag:cap"
    amounts: { "440100000000001": 5000, "440100000000002": "2500.5" }
    thresholds: [{ at: 80% }]
`);
    expect(config.budgets[0]?.perResource).toEqual({
      window: 'period',
      amountTag: 'tag:cap',
      amounts: new Map([
        ['440100000000001', decimal(5000)],
        ['440100000000002', decimal('2500.5')],
      ]),
    });
    const text = problems(`${ACCOUNT}  - id: cdn
    provider: fastly
    credentials: { apiToken: env:FASTLY_API_TOKEN }
budgets:
  - name: fleet
    account: sora
    amount: 1000
    currency: JPY
    amountTag: "tag:cap"
    amounts: { sim-1: 10 }
    thresholds: [{ at: 80% }]
  - name: services
    account: cdn
    each: resource
    amount: 100
    currency: USD
    amountTag: cap
    thresholds: [{ at: 80% }]
`).join('\n');
    expect(text).toContain(
      'budgets[0].amountTag = "tag:cap": amountTag gives resources their own amounts, which needs each: resource',
    );
    expect(text).toContain(
      'budgets[0].amounts: amounts gives resources their own amounts, which needs each: resource',
    );
    expect(
      problems(`${ACCOUNT}budgets:
  - { name: any-sim, account: sora, each: resource, amount: 9, currency: JPY, amounts: { sim-1: 0 }, thresholds: [{ at: 80% }] }
`).join('\n'),
    ).toContain('budgets[0].amounts.sim-1 = 0: expected an amount above zero');
    expect(text).toContain(
      'budgets[1].amountTag = "cap": fastly readings carry no tags, so no resource would have an amount of its own from amountTag',
    );
  });

  it('reports YAML syntax errors with their position', () => {
    const text = problems('accounts:\n  - id: [unclosed\n').join('\n');
    expect(text).toMatch(/^invalid config: spendwatch\.yaml:\d+:\d+: \(yaml\): .*fix the YAML syntax here/);
  });

  it('keeps amounts exact: quoted decimals beyond float precision survive', () => {
    const config = parseConfig(`${ACCOUNT}budgets:
  - name: precise
    account: sora
    amount: "12345678901234567.89"
    currency: JPY
    thresholds: [{ at: 50% }]
`);
    expect(config.budgets[0]!.amount.toFixed()).toBe('12345678901234567.89');
    expect(config.budgets[0]!.thresholds[0]!.level.toFixed()).toBe('6172839450617283.945');
  });
});

describe('the config as JSON, as the Lambda functions read it', () => {
  const yaml = `${ACCOUNT}budgets:
  - name: fleet
    account: sora
    amount: "30000.5"
    currency: JPY
    thresholds: [{ at: 80% }, { at: 25000, basis: forecast, severity: critical }]
`;

  const jsonProblems = (json: string): string[] =>
    configErrorOf(() => parseConfigJson(json, 'spendwatch.json')).message.split('\n');

  it('reads back exactly the config the YAML gives', () => {
    const { config, json } = configAsJson(yaml);
    expect(config).toEqual(parseConfig(yaml));
    expect({ ...parseConfigJson(json, 'spendwatch.json'), file: config.file }).toEqual(config);
  });

  it('names the field, the value and the fix, as for YAML but without lines', () => {
    const data = JSON.parse(configAsJson(yaml).json) as { budgets: Record<string, unknown>[] };
    data.budgets[0]!.ammount = data.budgets[0]!.amount;
    delete data.budgets[0]!.amount;
    data.budgets[0]!.currency = 'JPX';
    const lines = jsonProblems(JSON.stringify(data));
    expect(lines).toContain(
      '  spendwatch.json: budgets[0].ammount: unknown field "ammount"; did you mean "amount"?',
    );
    expect(lines).toContain('  spendwatch.json: budgets[0].amount: required field "amount" is missing');
    expect(lines).toContain(
      '  spendwatch.json: budgets[0].currency = "JPX": expected an ISO 4217 currency code such as USD, EUR or JPY',
    );
  });

  it('refuses YAML, saying how to write the JSON', () => {
    expect(jsonProblems(yaml).join('\n')).toMatch(
      /^invalid config: spendwatch\.json: \(json\): not JSON \(.*\); the functions read the JSON that "spendwatch validate --config spendwatch\.yaml --out spendwatch\.json" writes/,
    );
  });
});

describe('published JSON Schema', () => {
  it('is generated from the loader schema and committed up to date (npm run schema)', async () => {
    const { readFile } = await import('node:fs/promises');
    const { configJsonSchema } = await import('../../../lib/config/json-schema.ts');
    const committed = JSON.parse(
      await readFile(new URL('../../../schema/spendwatch.config.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(configJsonSchema());
    expect(JSON.stringify(committed)).toContain('"soracom"');
  });
});

describe('config mistakes that would switch a budget off or make it shout', () => {
  const budget = (fields: string) => `${ACCOUNT}budgets:
  - name: fleet
    account: sora
    currency: JPY
${fields}`;

  it('refuses a budget of 0', () => {
    expect(problems(budget('    amount: 0\n    thresholds: [{ at: 80% }]\n')).join('\n')).toContain(
      'budgets[0].amount = 0: a budget of 0 is crossed by any spend and has no percent; set the amount you mean to allow',
    );
  });

  it.each([
    ['0%', 'a threshold at 0% is crossed by any spend at all'],
    ['10000%', 'a threshold at 10000% is 10000% of the budget, more than 1000%'],
    ['0', 'a threshold at 0 is crossed by any spend at all'],
    ['400000', 'a threshold at 400000 is 1333% of the budget, more than 1000%'],
  ])('refuses a threshold at %s unless allowUnusual says it is meant', (at, message) => {
    const text = problems(budget(`    amount: 30000\n    thresholds: [{ at: "${at}" }]\n`)).join('\n');
    expect(text).toContain(
      `budgets[0].thresholds[0].at = "${at}": ${message}; if you mean it, add allowUnusual: true to this threshold`,
    );
    expect(() =>
      parseConfig(budget(`    amount: 30000\n    thresholds: [{ at: "${at}", allowUnusual: true }]\n`)),
    ).not.toThrow();
  });
});

describe('budgets that could never read their accounts are refused before a run', () => {
  const FASTLY = `  - id: cdn
    provider: fastly
    credentials: { apiToken: env:FASTLY_API_TOKEN }
`;

  it("a scope field the provider's readings never carry", () => {
    const text = problems(`${ACCOUNT}${FASTLY}budgets:
  - name: cdn
    account: cdn
    amount: 1000
    currency: USD
    scope: { tags: { fleet: A }, items: ["Asia*"] }
    thresholds: [{ at: 80% }]
`).join('\n');
    expect(text).toContain(
      'budgets[0].scope.tags: fastly readings carry no tags, so this scope would select nothing and read zero; fastly budgets can be scoped by services (product names, e.g. "CDN"), items (line item descriptions, e.g. "North America Bandwidth"), resources (service IDs (usage budgets))',
    );
    expect(text).not.toContain('scope.items');
  });

  it('a currency other than the one the account certainly bills in, with no rate', () => {
    const budget = (rates: string) => `${ACCOUNT}budgets:
  - name: fleet
    account: sora
    amount: 200
    currency: USD
    thresholds: [{ at: 80% }]
${rates}`;
    expect(problems(budget('')).join('\n')).toContain(
      'budgets[0].currency = "USD": account "sora" bills in JPY and this budget is in USD; add a rate under rates: - { from: JPY, to: USD, rate: ... }, or budget in JPY',
    );
    expect(() => parseConfig(budget('rates:\n  - { from: USD, to: JPY, rate: 150 }\n'))).not.toThrow();
  });
});

describe("the README's example config", () => {
  it("is a valid config, every provider's required fields included", async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const example = /```yaml\n(version: 1\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(example, 'the README has a ```yaml block starting "version: 1"').toBeDefined();
    const config = parseConfig(example!, 'README.md');
    expect(config.accounts.map((a) => a.provider).sort()).toEqual([
      'cloudflare',
      'fastly',
      'killbill',
      'soracom',
    ]);
  });

  it('shows both Kill Bill uses in a valid config: a listed account, and every customer held to its cap', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const example = /```yaml\n(accounts:\n {2}- id: api-vendor[\s\S]*?)```/.exec(readme)?.[1];
    expect(example, 'the Kill Bill section has a ```yaml block of accounts and budgets').toBeDefined();
    const config = parseConfig(example!, 'README.md');
    expect(config.accounts.map((a) => [a.id, a.settings, a.readEveryMinutes])).toEqual([
      ['api-vendor', expect.objectContaining({ accounts: ['our-company'] }), 60],
      ['billing', expect.objectContaining({ accounts: 'all' }), 60],
    ]);
    expect(config.budgets.find((b) => b.name === 'customer-invoices')?.perResource).toMatchObject({
      amountTag: 'spendwatch-cap',
    });
  });
});

describe('the two YAML readers', () => {
  // The fast reader (js-yaml) reads plain documents; the yaml library locates problems and reads the
  // rest. Both must see the same data, or a config would mean one thing valid and another when broken.
  it('read the demo and the README configs, and a document of every scalar kind, as the same data', async () => {
    const { readFile } = await import('node:fs/promises');
    const { load } = await import('js-yaml');
    const { parse } = await import('yaml');
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const texts = [
      await readFile(new URL('../../../examples/demo.yaml', import.meta.url), 'utf8'),
      /```yaml\n(version: 1\n[\s\S]*?)```/.exec(readme)![1]!,
      [
        'date: 2026-11-01',
        'words: [yes, no, on, off, null, ~, true, False]',
        'numbers: [0x1F, 0o17, 1e3, .inf, -.Inf, .nan, 007, 1_000, +12, 3.50]',
        "text: { plain: a b, quoted: \"¥1,000\\n\", single: 'it''s' }",
        'folded: >\n  two\n  lines',
        'block: |\n  kept\n  lines',
        '"key with: colon": 1',
      ].join('\n'),
    ];
    for (const text of texts) expect(load(text, { maxAliases: 0 })).toEqual(parse(text));
  });

  it('leave an alias to the yaml library, which refuses those that expand exponentially', () => {
    const laughs = [
      'version: 1',
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from({ length: 8 }, (_, i) => {
        const from = String.fromCharCode(97 + i);
        const to = String.fromCharCode(98 + i);
        return `${to}: &${to} [${Array.from({ length: 10 }, () => `*${from}`).join(', ')}]`;
      }),
    ].join('\n');
    expect(configErrorOf(() => parseConfig(laughs)).message).toMatch(/aliasing/);
  });
});
