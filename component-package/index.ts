// The component package's entry: the components Pulumi serves to YAML, Python and the other
// languages. Their argument types are the schema.
export {
  ConsulHost,
  GlobalConsul,
  InternalDc,
  Registrator,
  ConsulService,
  ScheduledSnapshots,
  ConsulAclToken,
  AnonymousDnsAccess,
  CertificateAuthority,
} from "distributed-consul";
