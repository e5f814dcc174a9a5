// Package diff decides whether a desired object (the server-side apply
// dry-run result, "predicted") matches the live object the way Argo CD 3.x
// does, honouring an Application's spec.ignoreDifferences, and renders a
// readable unified diff of the two.
//
// Normalisation follows Argo CD's order:
//
//  1. status and volatile metadata (managedFields, resourceVersion,
//     generation, uid, creationTimestamp, selfLink and the kubectl
//     last-applied annotation) are left out of the copy that is normalised.
//  2. managedFieldsManagers: the live object's metadata.managedFields entries
//     of the trusted managers are parsed (fieldsV1) and every owned leaf field
//     whose value differs between the two objects is removed from both (Argo
//     CD's util/argo/managedfields). List items addressed as k:{...}, v: and
//     i: are resolved without a schema: lists are treated as atomic, maps as
//     granular, like structured-merge-diff's deduced type.
//  3. Secrets: stringData is folded into data (base64), null values become ""
//     (gitops-engine's NormalizeSecret).
//  4. jsonPointers (RFC 6901) and jqPathExpressions of every matching rule, in
//     rule order, each applied to the result of the previous one; a pointer
//     or expression that does not apply (missing path, jq runtime error or
//     timeout) is skipped, as Argo CD does. Afterwards empty objects and
//     arrays are dropped (Argo CD's removeEmptyObjects) when at least one
//     rule matched.
//
// Rules match by group and kind (glob patterns, so "*" works), and by name
// and namespace when those are set.
//
// The package is pure: it imports apimachinery, structured-merge-diff and
// gojq, never client-go, and never mutates its inputs.
package diff
