import { describe, expect, it } from 'vitest';
import type { Alert, AlertAction } from '../../../lib/alerts/alert.ts';
import { renderSlackMessage, renderText } from '../../../lib/notify/render/index.ts';
import { jpyCritical } from '../../support/alert-fixtures.ts';
import { blockKitProblems } from '../../support/block-kit.ts';

const APPROVE_URL = 'https://abcdefghijklmnop.lambda-url.us-east-1.on.aws/?op=approve&t=eyJ2IjoxfQ.mac';
const UNDO_URL = 'https://abcdefghijklmnop.lambda-url.us-east-1.on.aws/?op=undo&t=eyJ2IjoyfQ.mac';

const awaiting: AlertAction = {
  id: 'AbCdEfGh12345678',
  kind: 'soracom.speedClass',
  approval: 'manual',
  params: { to: 's1.minimum' },
  status: 'awaiting-approval',
  description: 'slow SIM 440103125380001 to s1.minimum',
  approveUrl: APPROVE_URL,
  linkExpiresAt: '2026-11-24T03:30:00.000Z',
};

const crossing: Alert = { ...jpyCritical, actions: [awaiting] };

const notice: Alert = {
  ...jpyCritical,
  event: 'action',
  dedupKey: `${jpyCritical.dedupKey}/AbCdEfGh12345678.executed`,
  severity: 'info',
  action: {
    id: 'AbCdEfGh12345678',
    kind: 'soracom.speedClass',
    description: 'slow SIM 440103125380001 to s1.minimum',
    outcome: 'executed',
    before: 'speed class s1.fast',
    after: 'speed class s1.minimum',
    by: 'an action link (token tok-1, from 203.0.113.7)',
    undoUrl: UNDO_URL,
    undoExpiresAt: '2026-11-30T03:30:00.000Z',
  },
  headline: 'Guardrail on soracom-fleet: slow SIM 440103125380001 to s1.minimum: executed',
  details: ['By: an action link (token tok-1, from 203.0.113.7)'],
};

type Button = { type: 'button'; text: { text: string }; url: string; action_id: string; style?: string };
const actionsBlocks = (alert: Alert) =>
  renderSlackMessage(alert).blocks.filter((b) => b.type === 'actions') as { elements: Button[] }[];

describe('guardrail actions in the email', () => {
  it('list an action awaiting approval with its Approve line', () => {
    const text = renderText(crossing);
    expect(text).toContain(
      'Guardrail actions\n  - slow SIM 440103125380001 to s1.minimum: awaiting approval [AbCdEfGh12345678]',
    );
    expect(text).toMatch(
      new RegExp(`\\n    Approve: ${APPROVE_URL.replace(/[?.]/g, '\\$&')} \\(works until .+\\)\\n`),
    );
  });

  it('give a notice its Action section with the Undo line', () => {
    const text = renderText(notice);
    expect(text).toContain('Action\n  - slow SIM 440103125380001 to s1.minimum: ');
    expect(text).toContain(`Undo: ${UNDO_URL}`);
    expect(text).not.toContain('Approve:');
  });

  it('show an action without a link without a link line', () => {
    const text = renderText({
      ...jpyCritical,
      actions: [{ ...awaiting, status: 'proposed-only', approveUrl: undefined, note: 'held' }],
    });
    expect(text).toContain(': proposed only (held) [AbCdEfGh12345678]');
    expect(text).not.toMatch(/Approve:|Undo:/);
  });
});

describe('guardrail actions in Slack', () => {
  it('give an Approve link button, style primary, in valid Block Kit', () => {
    const message = renderSlackMessage(crossing);
    expect(blockKitProblems(message)).toEqual([]);
    expect(actionsBlocks(crossing)).toEqual([
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Approve' },
            url: APPROVE_URL,
            action_id: 'approve-1',
            style: 'primary',
          },
        ],
      },
    ]);
    expect(JSON.stringify(message)).toContain('awaiting approval');
  });

  it('give a notice an Undo button, not primary', () => {
    expect(blockKitProblems(renderSlackMessage(notice))).toEqual([]);
    const [block] = actionsBlocks(notice);
    expect(block!.elements).toEqual([
      { type: 'button', text: { type: 'plain_text', text: 'Undo' }, url: UNDO_URL, action_id: 'undo-1' },
    ]);
  });

  it('number the buttons of several actions and stay within the limits with many long ones', () => {
    const many: AlertAction[] = Array.from({ length: 40 }, (_, i) => ({
      ...awaiting,
      id: `Id${String(i).padStart(14, '0')}`,
      description: `${'slow SIM '.repeat(40)}#${i}`,
      approveUrl: `${APPROVE_URL}${i}`,
    }));
    const alert = { ...jpyCritical, actions: many };
    expect(blockKitProblems(renderSlackMessage(alert))).toEqual([]);
    const [block] = actionsBlocks(alert);
    expect(block!.elements).toHaveLength(25);
    expect(block!.elements.slice(0, 2).map((b) => [b.text.text, b.action_id])).toEqual([
      ['Approve #1', 'approve-1'],
      ['Approve #2', 'approve-2'],
    ]);
    // A link too long for a button is left out rather than breaking the message.
    const long = {
      ...jpyCritical,
      actions: [{ ...awaiting, approveUrl: `${APPROVE_URL}${'x'.repeat(3100)}` }],
    };
    expect(blockKitProblems(renderSlackMessage(long))).toEqual([]);
    expect(actionsBlocks(long)).toEqual([]);
  });

  it('escape mrkdwn in a description, so it can neither mention nor link', () => {
    const alert = {
      ...jpyCritical,
      actions: [{ ...awaiting, description: 'slow <!channel> & <https://evil.example|SIM>\n*forged line*' }],
    };
    const message = renderSlackMessage(alert);
    expect(blockKitProblems(message)).toEqual([]);
    const text = JSON.stringify(message);
    expect(text).toContain('slow &lt;!channel&gt; &amp; &lt;https://evil.example|SIM&gt;');
    expect(text).not.toContain('<!channel>');
  });
});
