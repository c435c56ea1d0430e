export {
  jsonLogger,
  type LogFields,
  type Logger,
  type LogLevel,
  memoryLogger,
  silentLogger,
} from './logger.ts';
export { Redactor, redactor } from './redact.ts';
