export {
  jsonLogger,
  type LogFields,
  type Logger,
  memoryLogger,
  silentLogger,
} from './logger.ts';
export { Redactor, redactor } from './redact.ts';
