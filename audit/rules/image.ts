/** Supply chain / image: what runs is exactly what was built and scanned. */
import type { Rule } from '../model.js';
import { eachContainer } from './helpers.js';

/** registry/name[:tag][@digest] → tag and digest (a registry port is not a tag). */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const [withoutDigest = '', digest] = image.split('@');
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > slash;
  return {
    name: hasTag ? withoutDigest.slice(0, colon) : withoutDigest,
    ...(hasTag ? { tag: withoutDigest.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}

const pinned = (image: string): boolean => {
  const { tag, digest } = parseImage(image);
  return Boolean(digest) || (tag !== undefined && tag !== '' && tag !== 'latest');
};

export const imageRules: Rule[] = [
  {
    id: 'image-tag-pinned',
    severity: 'error',
    principle: 'Supply chain / image',
    mirrors: 'Polaris tagNotSpecified, kube-score container-image-tag, kube-linter latest-tag',
    fix: 'reference an immutable version tag or a digest (name:1.2.3 or name@sha256:...), never latest or no tag',
    check: (input) =>
      eachContainer(input, ({ container }) => {
        const image = typeof container.image === 'string' ? container.image : '';
        if (image === '') return 'has no image';
        return pinned(image) ? undefined : `image '${image}' is not pinned to a version (no tag, or latest)`;
      }),
  },
  {
    id: 'image-pull-policy',
    severity: 'error',
    principle: 'Supply chain / image',
    mirrors: 'kube-score container-image-pull-policy, Polaris pullPolicyNotAlways',
    fix: 'set imagePullPolicy explicitly: IfNotPresent for a pinned tag or digest (or Always)',
    decision:
      'image-pull-policy: kube-score and Polaris (pullPolicyNotAlways) want Always; kube-linter does not check it. ' +
      'This audit accepts IfNotPresent when the image is pinned (image-tag-pinned): a pinned tag is immutable, so Always ' +
      'buys nothing and makes every restart depend on the registry. The policy must be explicit and never Never. ' +
      'Their exemption annotations are not read here; pull-policy-exemptions requires them (with Checkov\'s), so those tools report nothing unexplained.',
    check: (input) =>
      eachContainer(input, ({ container }) => {
        const policy = container.imagePullPolicy;
        const image = String(container.image ?? '');
        if (policy === undefined) return `imagePullPolicy is not set (the default depends on the tag: ${image})`;
        if (policy === 'Never') return 'imagePullPolicy is Never: the pod cannot start on a node without the image';
        if (policy === 'IfNotPresent' && !pinned(image)) return `imagePullPolicy IfNotPresent with the unpinned image '${image}' runs whatever a node cached`;
        return undefined;
      }),
  },
];
