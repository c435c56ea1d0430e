/**
 * A structural check of the Block Kit limits the renderer relies on (Slack's documented message
 * limits), plus the escaping rule: in mrkdwn, "<" may only open a token we generate (<!date^...>)
 * and "&" only an entity. Returns the problems found; empty means valid.
 */
const LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  messageText: 40_000,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  actionId: 255,
};
const OWN_TOKEN = /<!date\^\d+\^[^|<>]+\|[^|<>]+>/g;
const ENTITY = /&(amp|lt|gt);/g;

export function blockKitProblems(message: unknown): string[] {
  const problems: string[] = [];
  const problem = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (typeof message !== 'object' || message === null) return ['message: not an object'];
  const { text, blocks, ...rest } = message as Record<string, unknown>;
  if (Object.keys(rest).length) problem('message', `unexpected keys ${Object.keys(rest).join(', ')}`);
  checkText({ type: 'mrkdwn', text }, 'text', LIMITS.messageText, problem);
  if (!Array.isArray(blocks) || blocks.length === 0) return [...problems, 'blocks: missing or empty'];
  if (blocks.length > LIMITS.blocks) problem('blocks', `${blocks.length} blocks, limit ${LIMITS.blocks}`);
  blocks.forEach((block: Record<string, unknown>, index) => {
    const where = `blocks[${index}] (${String(block.type)})`;
    const keys = Object.keys(block).filter((key) => key !== 'type');
    switch (block.type) {
      case 'header': {
        const header = block.text as Record<string, unknown> | undefined;
        if (header?.type !== 'plain_text') problem(where, 'header text must be plain_text');
        checkText(header, where, LIMITS.headerText, problem);
        if (keys.some((key) => key !== 'text')) problem(where, `unexpected keys ${keys.join(', ')}`);
        break;
      }
      case 'section': {
        if (block.text === undefined && block.fields === undefined) problem(where, 'needs text or fields');
        if (block.text !== undefined) checkText(block.text, `${where}.text`, LIMITS.sectionText, problem);
        if (block.fields !== undefined) {
          checkTexts(block.fields, `${where}.fields`, LIMITS.fields, LIMITS.fieldText, problem);
        }
        if (keys.some((key) => key !== 'text' && key !== 'fields'))
          problem(where, `unexpected keys ${keys.join(', ')}`);
        break;
      }
      case 'context':
        checkTexts(block.elements, `${where}.elements`, LIMITS.contextElements, LIMITS.sectionText, problem);
        break;
      case 'actions':
        checkButtons(block.elements, `${where}.elements`, problem);
        if (keys.some((key) => key !== 'elements')) problem(where, `unexpected keys ${keys.join(', ')}`);
        break;
      case 'divider':
        if (keys.length) problem(where, `unexpected keys ${keys.join(', ')}`);
        break;
      default:
        problem(where, 'block type not used by spendwatch messages');
    }
  });
  return problems;
}

/** Link buttons: plain_text labels, URLs and action_ids within their limits, action_ids unique. */
function checkButtons(value: unknown, where: string, problem: (where: string, what: string) => void): void {
  if (!Array.isArray(value) || value.length === 0) {
    problem(where, 'must be a non-empty array');
    return;
  }
  if (value.length > LIMITS.actionsElements)
    problem(where, `${value.length} items, limit ${LIMITS.actionsElements}`);
  const ids = new Set<string>();
  for (const [index, button] of (value as Record<string, unknown>[]).entries()) {
    const at = `${where}[${index}]`;
    if (button.type !== 'button') problem(at, 'not a button');
    const text = button.text as { type?: unknown } | undefined;
    if (text?.type !== 'plain_text') problem(at, 'button text must be plain_text');
    checkText(text, `${at}.text`, LIMITS.buttonText, problem);
    if (
      typeof button.url !== 'string' ||
      !/^https?:\/\//.test(button.url) ||
      button.url.length > LIMITS.buttonUrl
    )
      problem(at, `url must be an http(s) URL of at most ${LIMITS.buttonUrl} characters`);
    const id = button.action_id;
    if (typeof id !== 'string' || id.length === 0 || id.length > LIMITS.actionId)
      problem(at, 'bad action_id');
    else if (ids.has(id)) problem(at, `action_id ${id} repeated`);
    else ids.add(id);
    if (button.style !== undefined && button.style !== 'primary' && button.style !== 'danger')
      problem(at, `style ${String(button.style)} is neither primary nor danger`);
  }
}

function checkTexts(
  value: unknown,
  where: string,
  maxItems: number,
  maxText: number,
  problem: (where: string, what: string) => void,
): void {
  if (!Array.isArray(value) || value.length === 0) {
    problem(where, 'must be a non-empty array');
    return;
  }
  if (value.length > maxItems) problem(where, `${value.length} items, limit ${maxItems}`);
  for (const [index, text] of value.entries()) checkText(text, `${where}[${index}]`, maxText, problem);
}

function checkText(
  value: unknown,
  where: string,
  max: number,
  problem: (where: string, what: string) => void,
): void {
  const object = value as { type?: unknown; text?: unknown } | undefined;
  if (!object || (object.type !== 'plain_text' && object.type !== 'mrkdwn')) {
    problem(where, 'not a plain_text or mrkdwn text object');
    return;
  }
  if (typeof object.text !== 'string' || object.text.length === 0) {
    problem(where, 'text must be a non-empty string');
    return;
  }
  const length = Array.from(object.text).length;
  if (length > max) problem(where, `${length} characters, limit ${max}`);
  if (object.type === 'mrkdwn') {
    const bare = object.text.replace(OWN_TOKEN, '').replace(ENTITY, '');
    if (/[<>&]/.test(bare))
      problem(where, `unescaped <, > or &: ${JSON.stringify(object.text.slice(0, 120))}`);
  }
}
