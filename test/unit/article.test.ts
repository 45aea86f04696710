import { describe, expect, it } from '@jest/globals';
import { indefiniteArticle } from '../../generators/lib/article.js';
import { COMPONENTS } from '../../generators/lib/components.js';
import { templateContextFor } from '../../generators/lib/template-context.js';
import { completeSpec } from '../../generators/lib/spec.js';

describe('indefinite article', () => {
  it.each([
    ['item', 'an'],
    ['order', 'an'],
    ['widget', 'a'],
    ['user', 'a'],
    ['unit', 'a'],
    ['umbrella', 'an'],
    ['hour', 'an'],
    ['host', 'a'],
    ['euro', 'a'],
    ['invoice', 'an'],
  ])('%s takes "%s"', (noun, article) => {
    expect(indefiniteArticle(noun)).toBe(article);
  });

  it('reaches the templates as aResource', () => {
    expect(templateContextFor(completeSpec({ resource: 'order' }, 'svc'), '0.0.0', COMPONENTS).aResource).toBe('an order');
  });
});
