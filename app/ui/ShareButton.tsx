/** `Copy share link`: the config being edited into the address bar and the clipboard. */
import { useState } from 'react';
import { currentShareUrl } from '../share/share-actions.js';
import { copyText } from './clipboard.js';

export function ShareButton() {
  const [message, setMessage] = useState('');
  const copy = async () => {
    const r = currentShareUrl(window.location.href);
    if (!r.ok) {
      setMessage(r.error);
      return;
    }
    window.history.replaceState(null, '', r.url);
    setMessage(
      (await copyText(r.url))
        ? 'Link copied: it carries the whole configuration and seed.'
        : 'The link is in the address bar (the clipboard was not available).',
    );
  };
  return (
    <div className="share">
      <button type="button" onClick={copy}>
        Copy share link
      </button>
      <span className="note" role="status">
        {message}
      </span>
    </div>
  );
}
