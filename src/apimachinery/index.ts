/**
 * apimachinery helpers: label and field selectors, resource quantities, object keys, owner
 * references and resourceVersion comparison. Re-exported from `kubekit/client` and `kubekit`.
 */
export {
  escapeFieldSelectorValue,
  everythingFieldSelector,
  type FieldRequirement,
  FieldSelectorMatcher,
  type FieldSelectorOperator,
  type Fields,
  fieldSelectorFromSet,
  parseFieldSelector,
  unescapeFieldSelectorValue,
} from './field-selector.js';
export {
  everythingLabelSelector,
  type LabelRequirement,
  LabelSelectorMatcher,
  type LabelSelectorOperator,
  type Labels,
  labelSelectorFromObject,
  labelSelectorFromSet,
  newLabelRequirement,
  nothingLabelSelector,
  parseLabelSelector,
} from './label-selector.js';
export {
  isValidLabelKey,
  isValidLabelValue,
  LABEL_PREFIX_MAX_LENGTH,
  LABEL_VALUE_MAX_LENGTH,
  validateLabelKey,
  validateLabelValue,
} from './label-validation.js';
export {
  type KeyedObject,
  metaNamespaceKey,
  ObjectKeyError,
  objectKey,
  type SplitKey,
  splitMetaNamespaceKey,
} from './object-key.js';
export {
  type GroupVersionKind,
  getControllerOf,
  hasOwnerReference,
  isControlledBy,
  newControllerRef,
  type OwnedObject,
  type OwnerLike,
} from './owner-references.js';
export {
  MAX_QUANTITY_DECIMAL_EXPONENT,
  MAX_QUANTITY_STRING_LENGTH,
  parseQuantity,
  Quantity,
  type QuantityFormat,
  QuantityParseError,
} from './quantity.js';
export {
  compareResourceVersions,
  InvalidResourceVersionError,
  isComparableResourceVersion,
} from './resource-version.js';
export { SelectorParseError } from './selector-error.js';
