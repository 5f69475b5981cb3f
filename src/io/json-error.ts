// What is wrong with a text that JSON.parse refused, said by position only. V8's own messages
// quote the text around the error ('Unexpected token 'r', "root:x:0:0"... is not valid JSON');
// when the text is a file's contents (a config.json that is really a symlink to a secret, a
// request body in a log), the message must not carry it.

/** 'unexpected character at line 1, column 1', 'unexpected end of input', ... */
export function describeJsonError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  let position: number | undefined;
  const at = /at position (\d+)/.exec(message);
  if (at) {
    position = Number(at[1]);
  } else {
    // "Unexpected token 'x', ...\"context\"... is not valid JSON": find the context in the text
    const context = /"([^]*)"/.exec(message)?.[1];
    const token = /^Unexpected token '([^]*?)',/.exec(message)?.[1];
    if (context !== undefined && context !== '') {
      const i = text.indexOf(context);
      if (i >= 0) position = i + Math.max(0, token !== undefined ? context.indexOf(token) : 0);
    }
  }
  let what: string;
  if (/^Unexpected end of JSON input/.test(message)) what = 'unexpected end of input';
  else if (/^Unexpected token|is not valid JSON/.test(message)) what = 'unexpected character';
  else {
    // V8's templates without quoted text: "Expected ',' or '}' after property value in JSON at position 9"
    what = message.replace(/\s*(in|after) JSON at position \d+.*$/s, (m) => (m.trimStart().startsWith('after') ? ' after the value' : ''))
      .replace(/"[^]*"/g, '').trim();
    what = what.charAt(0).toLowerCase() + what.slice(1);
    if (what.length > 80) what = 'invalid JSON';
  }
  if (position === undefined || /end of input/.test(what)) return what;
  let line = 1, col = 1;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) { line++; col = 1; } else col++;
  }
  return `${what} at line ${line}, column ${col}`;
}
