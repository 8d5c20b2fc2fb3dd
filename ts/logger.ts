/** MikroORM's logger surface: `debug`, `logger`, `loggerFactory`, a writable `writer`. */

export type LoggerNamespace = 'query' | 'query-params' | 'schema' | 'discovery' | 'info' | 'deprecated';

export interface LogContext {
  query?: string;
  /** The statement's parameters. */
  params?: readonly unknown[];
  took?: number;
  results?: number;
  affected?: number;
  label?: string;
  level?: 'info' | 'warning' | 'error';
  /** With read replicas: the connection the query ran on. */
  connection?: { type: 'read' | 'write'; name: string };
  [key: string]: unknown;
}

export interface Logger {
  log(namespace: LoggerNamespace, message: string, context?: LogContext): void;
  error(namespace: LoggerNamespace, message: string, context?: LogContext): void;
  warn(namespace: LoggerNamespace, message: string, context?: LogContext): void;
  logQuery(context: LogContext): void;
  setDebugMode(debugMode: boolean | LoggerNamespace[]): void;
  isEnabled(namespace: LoggerNamespace, context?: LogContext): boolean;
}

export interface LoggerOptions {
  writer: (message: string) => void;
  debugMode?: boolean | LoggerNamespace[];
  colors?: boolean;
  highlighter?: { highlight(text: string): string };
}

const ESC = '\x1b[';
function paint(enabled: boolean, open: number, close: number, text: string): string {
  return enabled ? `${ESC}${open}m${text}${ESC}${close}m` : text;
}

/** Colors are on unless `colors: false` or the environment turns them off (as MikroORM: no TTY check). */
export function colorsEnabled(option: boolean | undefined): boolean {
  const env = process.env;
  if (env.NO_COLOR || env.MIKRO_ORM_NO_COLOR || env.FORCE_COLOR === '0' || env.MIKRO_ORM_COLORS === 'false') {
    return false;
  }
  return option !== false;
}

export class DefaultLogger implements Logger {
  debugMode: boolean | LoggerNamespace[];
  writer: (message: string) => void;
  private readonly colors: boolean;
  private readonly highlighter?: { highlight(text: string): string };

  constructor(options: LoggerOptions) {
    this.writer = options.writer;
    this.debugMode = options.debugMode ?? false;
    this.colors = colorsEnabled(options.colors);
    this.highlighter = options.highlighter;
  }

  log(namespace: LoggerNamespace, message: string, context?: LogContext): void {
    if (!this.isEnabled(namespace, context)) {
      return;
    }
    let msg = message.replace(/\n/g, '').replace(/ +/g, ' ').trim();
    if (context?.level === 'error') {
      msg = paint(this.colors, 31, 39, msg);
    } else if (context?.level === 'warning') {
      msg = paint(this.colors, 33, 39, msg);
    }
    const label = context?.label ? paint(this.colors, 36, 39, `(${context.label}) `) : '';
    this.writer(paint(this.colors, 90, 39, `[${namespace}] `) + label + msg);
  }

  error(namespace: LoggerNamespace, message: string, context?: LogContext): void {
    this.log(namespace, message, { ...context, level: 'error' });
  }

  warn(namespace: LoggerNamespace, message: string, context?: LogContext): void {
    this.log(namespace, message, { ...context, level: 'warning' });
  }

  setDebugMode(debugMode: boolean | LoggerNamespace[]): void {
    this.debugMode = debugMode;
  }

  isEnabled(namespace: LoggerNamespace, _context?: LogContext): boolean {
    const mode = this.debugMode;
    return mode === true || (Array.isArray(mode) && mode.includes(namespace));
  }

  logQuery(context: LogContext): void {
    if (!this.isEnabled('query', context)) {
      return;
    }
    // As MikroORM: line breaks dropped and runs of spaces made one.
    const query = (context.query ?? '').replace(/\n/g, '').replace(/ +/g, ' ');
    let msg = this.highlighter?.highlight(query) ?? query;
    if (context.took != null) {
      const parts = [`took ${context.took} ms`];
      if (context.results != null) {
        parts.push(`${context.results} result${context.results === 1 ? '' : 's'}`);
      }
      if (context.affected != null) {
        parts.push(`${context.affected} row${context.affected === 1 ? '' : 's'} affected`);
      }
      msg += paint(this.colors, 90, 39, ` [${parts.join(', ')}]`);
    }
    if (context.connection) {
      msg += paint(this.colors, 90, 39, ` (via ${context.connection.type} connection '${context.connection.name}')`);
    }
    this.log('query', msg, context);
  }
}

/** A logger that writes nothing; `debug: false` keeps this cost-free. */
export class SimpleLogger extends DefaultLogger {}
