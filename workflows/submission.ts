// One submission workflow per distinct signed config a team submits: it holds the config text (staged
// in parts, so no payload grows past Temporal's limits however large the team) and its submitter's
// signature for the team's reconcile workflow, whose activities read both back by query. Once adopted it lives until a newer config is
// adopted or the team retires; a config nobody adopts (a refused submission) ends after a day.
import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import { digest } from '../src/core/digest';
import { adoptSignal, partQuery, signedQuery, stagedQuery, stagePartUpdate, supersedeSignal, type SubmissionInput } from './messages';

const UNADOPTED_LIFETIME = '1 day';

export async function submissionWorkflow(input: SubmissionInput): Promise<void> {
  const parts: (string | undefined)[] = Array.from({ length: input.parts }, (_, i) => (i === 0 ? input.first : undefined));
  let adopted = false;
  let superseded = false;

  const staged = () => parts.filter((p) => p !== undefined).length;
  // A staged part never changes: the text is hashed once, when the last part is in, not at every query.
  let matches: boolean | undefined;
  const complete = () => {
    if (staged() !== input.parts) return false;
    matches ??= digest(parts.join('')) === input.digest;
    return matches;
  };

  setHandler(partQuery, (index) => {
    const part = parts[index];
    if (part === undefined) throw new Error(`part ${index} of ${input.parts} has not been staged`);
    return part;
  });
  setHandler(stagedQuery, () => ({ parts: input.parts, staged: staged(), complete: complete() }));
  // The worker checks the signature against the text before applying anything of it.
  setHandler(signedQuery, () => input.signed);
  setHandler(
    stagePartUpdate,
    ({ index, text }) => {
      parts[index] = text;
      return staged();
    },
    {
      validator: (part) => {
        if (!Number.isInteger(part?.index) || part.index < 1 || part.index >= input.parts || typeof part.text !== 'string') {
          throw new Error(`part ${part?.index} is not one of parts 1..${input.parts - 1}`);
        }
        // A staged part never changes: the config it belongs to is named by its digest.
        if (parts[part.index] !== undefined && parts[part.index] !== part.text) throw new Error(`part ${part.index} is already staged with other text`);
      },
    },
  );
  setHandler(adoptSignal, () => {
    adopted = true;
  });
  setHandler(supersedeSignal, () => {
    superseded = true;
  });

  await condition(() => adopted || superseded, UNADOPTED_LIFETIME);
  if (adopted) await condition(() => superseded);
  await condition(allHandlersFinished);
}
