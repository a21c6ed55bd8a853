/**
 * The plan's e-mails to workshop owners, one per alert whose audience is `workshop_owner`: plain text only, so
 * nothing in them is interpreted as markup. Workshop names are untrusted input: they are put on one line (no CR, LF,
 * other control characters or bidirectional overrides), so a name can neither add a header nor fake lines.
 */
export type OwnerMailRecipient = 'owner' | 'account_manager';

export interface OwnerMessage {
  /** The claim's kind (owner_notifications.kind): one e-mail of a kind per workshop per period. */
  readonly kind: string;
  subject(name: string, recipient: OwnerMailRecipient): string;
  text(name: string, workshopId: string, recipient: OwnerMailRecipient): string;
}

/** The plan's action for WorkshopThriving (prometheus/alerts/workshop-kpis.alerts.yml's summary says the same). */
export const THRIVING_SUGGESTION = 'Consider increasing mechanic capacity?';

const THRIVING: OwnerMessage = {
  kind: 'thriving',
  subject: (name, to) =>
    `${to === 'account_manager' ? '[for the owner] ' : ''}${name} is thriving: ${THRIVING_SUGGESTION}`,
  text: (name, workshopId, to) =>
    [
      'Hello,',
      '',
      `${name} is thriving: its mechanics work close to the workshop's capacity, and sessions keep coming in.`,
      '',
      THRIVING_SUGGESTION,
      '',
      ...(to === 'owner'
        ? [`Workshop id: ${workshopId}`]
        : [
            `Workshop id: ${workshopId}. No owner e-mail address is known for this workshop, so this message comes to`,
            'you, its account manager, to pass on.',
          ]),
      '',
    ].join('\n'),
};

/** The owner e-mail of each alert (by alertname) that has one. */
export const OWNER_MESSAGES: Readonly<Record<string, OwnerMessage>> = { WorkshopThriving: THRIVING };

// eslint-disable-next-line no-control-regex
const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A workshop name as an e-mail shows it: one line of at most 200 characters; without one, the workshop id. */
export function nameForMail(name: string | null | undefined, workshopId: string): string {
  const line = (name ?? '').replace(LINE_BREAKING, ' ').replace(BIDI_CONTROLS, '').replace(/\s+/g, ' ').trim();
  return line.length === 0 ? `workshop ${workshopId}` : [...line].slice(0, 200).join('');
}
