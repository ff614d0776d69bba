/**
 * How the helper shows one logged call or message. Pure, so it is tested alone. Labels come
 * from c/aircallSchema, generated from the TypeScript description the service writes with.
 */
import { AIRCALL_TYPE_LABELS } from 'c/aircallSchema';

const EXCERPT_LENGTH = 160;

export function formatDuration(seconds) {
    if (seconds === null || seconds === undefined) return '';
    if (seconds < 60) return `${seconds} s`;
    const minutes = Math.floor(seconds / 60);
    const rest = seconds % 60;
    if (minutes < 60) return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min ${rest} s`;
}

function shorten(text) {
    const flat = text.replace(/\s+/g, ' ').trim();
    return flat.length <= EXCERPT_LENGTH ? flat : `${flat.slice(0, EXCERPT_LENGTH - 1)}…`;
}

/**
 * The agents' comments of a call (the lines after "Comments:" in the description the service
 * writes), or the text of a message (after its blank line).
 */
export function excerpt(description, isMessage) {
    if (!description) return '';
    if (isMessage) {
        const blank = description.indexOf('\n\n');
        return blank === -1 ? '' : shorten(description.slice(blank + 2));
    }
    const marker = description.indexOf('\nComments:\n');
    if (marker === -1) return '';
    const lines = description.slice(marker + '\nComments:\n'.length).split('\n');
    // The comments are the "- " lines; Aircall AI's lines may follow them.
    const end = lines.findIndex((line) => !line.startsWith('- '));
    const comments = (end === -1 ? lines : lines.slice(0, end)).map((line) => line.replace(/^- /, ''));
    return shorten(comments.join(' · '));
}

/**
 * What Aircall AI said of a call, from the lines the service writes at the end of the Task's
 * description (src/rules/format.ts aiLines): the summary, the topics, the sentiment per
 * participant and the action items. Null when it said nothing (yet).
 */
export function aiOf(description) {
    if (!description) return null;
    const lines = description.split('\n');
    const after = (prefix) => {
        const line = lines.find((l) => l.startsWith(prefix));
        return line ? line.slice(prefix.length) : '';
    };
    const start = lines.indexOf('Action items:');
    const actionItems = [];
    if (start !== -1) {
        for (const line of lines.slice(start + 1)) {
            if (!line.startsWith('- ')) break;
            actionItems.push({ key: `${actionItems.length}`, text: line.slice(2) });
        }
    }
    const ai = {
        summary: after('Aircall AI summary: '),
        topics: after('Topics: '),
        sentiment: after('Sentiment: '),
        actionItems,
        hasActionItems: actionItems.length > 0
    };
    return ai.summary || ai.topics || ai.sentiment || ai.hasActionItems ? ai : null;
}

function directionOf(call) {
    if (call.direction) return call.direction;
    if (call.type && call.type.startsWith('message_')) return call.type === 'message_inbound' ? 'Inbound' : 'Outbound';
    if (call.type) return call.type.startsWith('outbound') ? 'Outbound' : 'Inbound';
    return '';
}

/**
 * The recording link only when it is an https URL: the Task field is plain text anyone with
 * edit access can change, and a javascript: or data: URL in an href would run in the page.
 */
export function safeLink(url) {
    if (typeof url !== 'string') return null;
    try {
        return new URL(url).protocol === 'https:' ? url : null;
    } catch {
        return null;
    }
}

export function toView(call) {
    const isMessage = Boolean(call.type && call.type.startsWith('message_'));
    const direction = directionOf(call);
    let icon = direction === 'Outbound' ? 'utility:outbound_call' : 'utility:incoming_call';
    if (isMessage) icon = 'utility:sms';
    else if (call.type === 'voicemail') icon = 'utility:voicemail_drop';
    else if (call.type === 'missed' || call.type === 'outbound_unanswered') icon = 'utility:missed_call';
    return {
        ...call,
        recordingUrl: safeLink(call.recordingUrl),
        isMessage,
        icon,
        directionLabel: direction,
        typeLabel: AIRCALL_TYPE_LABELS[call.type] || (isMessage ? 'Message' : 'Call'),
        durationLabel: isMessage ? '' : formatDuration(call.durationSeconds),
        waitLabel: isMessage ? '' : formatDuration(call.waitSeconds),
        // A call record has no status: only an open Task shows one.
        open: Boolean(call.status) && call.status !== 'Completed',
        commentExcerpt: excerpt(call.description, isMessage),
        ai: isMessage ? null : aiOf(call.description),
        traceLines: (call.trace || '')
            .split('\n')
            .filter((line) => line.length > 0)
            .map((text, index) => ({ key: `${call.id}-${index}`, text }))
    };
}
