/** The process logger (pino, JSON lines on stdout). */
import pino from 'pino';
import type { LogLevel } from './config.js';

export type Logger = pino.Logger;

export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'workshop-analytics' } });
}
