"""One host of distributed-consul from Python, through the component package (as examples/yaml):
one ConsulHost that bootstraps the cluster, secure like the TypeScript program (ACLs with
least-privilege tokens, TLS, gossip encryption, HTTP off the LAN)."""
import pulumi
import pulumi_docker as docker
import pulumi_distributed_consul as consul

config = pulumi.Config()
host_address = config.require("hostAddress")

host = consul.ConsulHost(
    "host",
    node_name="node1",
    host_address=host_address,
    internal_datacenter="vm1",
    bootstrap=True,
    # The shared secrets, set with --secret; the host makes its CA itself.
    gossip_key=config.require_secret("gossipKey"),
    acl_management_token=config.require_secret("aclManagementToken"),
    service={
        "image": "elasticsearch:9.5.3",
        "envs": ["discovery.type=single-node", "ES_JAVA_OPTS=-Xms1g -Xmx1g", "xpack.security.enabled=false"],
        "memory_mb": 2048,
        "ports": [
            {"internal": 9200, "name": "elasticsearch", "check": {"kind": "http", "path": "/_cluster/health"}},
            {"internal": 9300, "name": "elasticsearch-transport", "check": {"kind": "tcp"}},
        ],
    },
    opts=pulumi.ResourceOptions(
        providers=[docker.Provider("docker", host=config.get("dockerHost") or "unix:///var/run/docker.sock")]
    ),
)

pulumi.export("globalApiAddress", host.global_api_address)
pulumi.export("caCertificate", host.tls_ca_certificate)
pulumi.export("serviceDnsNames", host.service_dns_names)
# What a second host's ConsulHost takes as its `cluster` (secret).
pulumi.export("cluster", host.cluster)
