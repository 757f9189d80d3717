import { messageOf } from '../errors';
import { holdFromDocument, withHoldIds, type Hold, type HoldsDocument } from './holds';
import { checkHoldsSchema } from './schema-check';
import { SourceMap } from './source-map';

/** Parses a holds file's text; a file that does not parse or fit the schema is a bad-input error at its place. */
export function parseHolds(text: string, file: string): Hold[] {
  const map = SourceMap.parse(text, file);
  const data = map.toJSON();
  checkHoldsSchema(map, data);
  const holds = (data as HoldsDocument).holds.map((record, index) => {
    try {
      return holdFromDocument(record as unknown as Record<string, string>);
    } catch (error) {
      throw map.errorAt(['holds', index], messageOf(error));
    }
  });
  return withHoldIds(holds, (index, message) => map.errorAt(['holds', index, 'id'], message));
}
