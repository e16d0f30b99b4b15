/**
 * A phone number in international format as `+` and its digits, or undefined when `input` is
 * not one: an optional `+`, then 7 to 15 digits (E.164's longest), with spaces, dashes, dots and
 * brackets allowed between them as people write numbers. Checked before Telegram is asked, so a
 * typo costs no login attempt; whether the number exists is Telegram's to say
 * (`PHONE_NUMBER_INVALID`).
 */
export function normalizePhoneNumber(input: string): string | undefined {
  const trimmed = input.trim()
  if (!/^\+?[\d\s().-]+$/.test(trimmed)) return undefined
  const digits = trimmed.replace(/\D/g, '')
  if (digits.length < 7 || digits.length > 15 || digits.startsWith('0')) return undefined
  return `+${digits}`
}
