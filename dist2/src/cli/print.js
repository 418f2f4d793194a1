import { EXIT_USAGE } from '../errors.js';
export function printResult(out, result, human) {
    const text = out.json ? JSON.stringify(result, null, 2) : human(result);
    if (text.length > 0)
        process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}
export function printError(out, err) {
    // one line: an operator's mistake never shows a stack trace
    const line = err.message.replace(/\s*\n\s*/g, ' ');
    if (out.json)
        process.stderr.write(JSON.stringify({ error: line, code: err.code }) + '\n');
    else
        process.stderr.write(`quire: ${line}${err.exitCode === EXIT_USAGE && err.code === 'usage' ? ' (see quire --help)' : ''}\n`);
}
/** A plain text table: header row, then rows, columns padded to their widest cell. */
export function table(header, rows) {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)));
    const line = (cells) => cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i])).join('  ');
    return [line(header), ...rows.map(line)].join('\n');
}
export function yesNo(v) { return v ? 'yes' : 'no'; }
//# sourceMappingURL=print.js.map