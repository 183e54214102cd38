/** HTML/XML text and attribute escaping: capture content is untrusted (SIP headers are attacker-chosen). */
const MAP: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => MAP[c] ?? c);
}
