/**
 * "a" or "an" before an English noun, by how it sounds: "an item", "an order", "a user", "an
 * hour", "a euro". Resource names are single lowercase nouns (spec.ts), so a spelling rule with
 * the common exceptions is enough.
 */
const SILENT_H = /^(hour|honest|honou?r|heir)/;
/** A vowel letter that sounds like a consonant: "you" (uni-, use, euro) or "w" (one, once). */
const CONSONANT_SOUND = /^(u[bcfhjkmnrst][aeiou]|uni|use|usu|ure|eu|ewe|one|once)/;

export function indefiniteArticle(noun: string): 'a' | 'an' {
  const word = noun.toLowerCase();
  if (SILENT_H.test(word)) return 'an';
  if (CONSONANT_SOUND.test(word)) return 'a';
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}
