// A tail-recursive loop that never ends: tailstrict calls take no jsonnet
// stack frames, but go-jsonnet's Go stack grows with every call.
local spin(n) = if n < 0 then n else spin(n + 1) tailstrict;
{
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings' },
  data: { value: std.toString(spin(0)) },
}
