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
      case 'divider':
        if (keys.length) problem(where, `unexpected keys ${keys.join(', ')}`);
        break;
      default:
        problem(where, 'block type not used by spendwatch messages');
    }
  });
  return problems;
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
