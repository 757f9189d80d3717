import { LineCounter, isMap, isNode, isPair, isScalar, parseDocument, visit, type Document, type Node } from 'yaml';
import { BadInputError } from '../errors';
import { printable } from '../text/printable';

/**
 * The most aliases (`*name`) a policy or holds file may use, and the most copies they may expand
 * to: a few anchors share settings between rules; thousands are an attack on the parser's memory.
 */
export const MAX_YAML_ALIASES = 100;

/** A place in a policy or holds file, 1-based, for error messages. */
export interface SourcePosition {
  line: number;
  col: number;
}

/**
 * A YAML (or JSON) document with the positions of its nodes, so that every error about it can say
 * `file:line:col` and what is wrong, whether it comes from the parser, the schema or the rules.
 */
export class SourceMap {
  private constructor(
    readonly file: string,
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parses `text`; a syntax error is a bad-input error at its line and column. */
  static parse(text: string, file: string): SourceMap {
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const [error] = document.errors;
    if (error) {
      const position = lines.linePos(error.pos[0]);
      const what = error.message.split('\n')[0];
      throw new BadInputError(
        `${printable(file)}:${position.line}:${position.col}: ${printable(what)}; fix the syntax (YAML or JSON).`,
      );
    }
    let aliases = 0;
    visit(document, {
      Alias: (_key, alias) => {
        aliases += 1;
        if (aliases <= MAX_YAML_ALIASES) return undefined;
        const position = lines.linePos(alias.range?.[0] ?? 0);
        throw new BadInputError(
          `${printable(file)}:${position.line}:${position.col}: more than ${MAX_YAML_ALIASES} YAML aliases: write the values out instead.`,
        );
      },
    });
    return new SourceMap(file, document, lines);
  }

  /** The document as plain data; aliases that would expand to more than MAX_YAML_ALIASES copies are refused. */
  toJSON(): unknown {
    try {
      return this.document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (error) {
      // The yaml package reports an alias bomb, or an alias of no anchor, as a ReferenceError.
      if (!(error instanceof ReferenceError)) throw error;
      if (!/excessive alias/i.test(error.message)) {
        throw new BadInputError(`${printable(this.file)}: ${printable(error.message)}; fix the syntax (YAML or JSON).`);
      }
      throw new BadInputError(
        `${printable(this.file)}: its YAML aliases expand to more than ${MAX_YAML_ALIASES} copies: write the values out instead.`,
      );
    }
  }

  /** The position of the value at `path` (or of the key `key` inside it), the closest existing parent otherwise. */
  positionOf(path: readonly (string | number)[], key?: string): SourcePosition {
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = this.document.getIn(path.slice(0, depth), true);
      if (!isNode(node)) continue;
      if (key !== undefined && depth === path.length && isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
        if (pair && isNode(pair.key)) return this.at(pair.key);
      }
      return this.at(node);
    }
    return { line: 1, col: 1 };
  }

  /** `file:line:col: message` for the value at `path` (or its key `key`), as a bad-input error. */
  errorAt(path: readonly (string | number)[], message: string, key?: string): BadInputError {
    const { line, col } = this.positionOf(path, key);
    return new BadInputError(`${printable(this.file)}:${line}:${col}: ${message}`);
  }

  private at(node: Node): SourcePosition {
    return this.lines.linePos(node.range?.[0] ?? 0);
  }
}
