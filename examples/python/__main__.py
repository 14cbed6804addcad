"""One host of distributed-consul from Python, through the component package (as examples/yaml):
secure like the TypeScript program (ACLs with least-privilege tokens, TLS, HTTP off the LAN)."""
import pulumi
import pulumi_docker as docker
import pulumi_distributed_consul as consul

config = pulumi.Config()
node_ip = config.require("nodeIp")
docker_host = config.get("dockerHost") or "unix:///var/run/docker.sock"
gossip_key = config.require_secret("gossipKey")
management_token = config.require_secret("aclManagementToken")

host = docker.Provider("docker", host=docker_host)
on_host = pulumi.ResourceOptions(providers=[host])

# The CA every server's certificate is issued from (its key a secret).
ca = consul.CertificateAuthority("ca")
tls = {"ca_certificate": ca.certificate_pem, "ca_private_key": ca.private_key_pem}

global_server = consul.GlobalConsul(
    "global",
    node_name="node1",
    host_address=node_ip,
    bootstrap=True,
    gossip_key=gossip_key,
    # The bootstrap server holds the management token and registers its own agent token.
    acl={"management_token": management_token},
    tls=tls,
    opts=on_host,
)

# Least-privilege tokens, made through the global server's HTTPS API once it is healthy.
consul_api = {
    "address": global_server.api_address,
    "datacenter": "dc1",
    "token": management_token,
    "ca_certificate": ca.certificate_pem,
}
SERVICE_WRITE = 'service_prefix "" {\n  policy = "write"\n}\n'
REPLICATION = (
    'acl = "write"\noperator = "write"\n'
    'service_prefix "" {\n  policy = "read"\n}\n'
    'intention_prefix "" {\n  policy = "read"\n}\n'
)
internal_agent_token = consul.ConsulAclToken(
    "internalAgentToken",
    api=consul_api,
    description="agent token of node1-vm1 (vm1)",
    node_identity={"node_name": "node1-vm1", "datacenter": "vm1"},
)
replication_token = consul.ConsulAclToken(
    "replicationToken",
    api=consul_api,
    description="ACL replication of vm1",
    policy_name="replication-node1",
    rules=REPLICATION,
)
registrator_tokens = {
    dc: consul.ConsulAclToken(
        f"registrator{dc.capitalize()}Token",
        api=consul_api,
        description=f"registrator of node1 ({dc})",
        policy_name=f"registrator-node1-{dc}",
        rules=SERVICE_WRITE,
    )
    for dc in ("dc1", "vm1")
}
# Read on services and nodes for the anonymous token, so Consul DNS answers containers.
consul.AnonymousDnsAccess("anonymousDns", api=consul_api, policy_name="dns-read-node1")

internal = consul.InternalDc(
    "internal",
    node_name="node1",
    host_address=node_ip,
    datacenter="vm1",
    retry_join_wan=[global_server.wan_address],
    primary_datacenter=global_server.datacenter,
    gossip_key=gossip_key,
    acl={
        "agent_token": internal_agent_token.secret_id,
        "replication_token": replication_token.secret_id,
    },
    tls=tls,
    opts=on_host,
)
consul.Registrator(
    "registratorGlobal",
    consul_address=global_server.local_http_address,
    container_name="registrator-dc1",
    options={"host_ip": node_ip},
    acl_token=registrator_tokens["dc1"].secret_id,
    opts=on_host,
)
consul.Registrator(
    "registratorInternal",
    consul_address=internal.local_http_address,
    container_name="registrator-vm1",
    options={"internal": True},
    acl_token=registrator_tokens["vm1"].secret_id,
    opts=on_host,
)
service = consul.ConsulService(
    "service",
    image="elasticsearch:9.5.3",
    container_name="elasticsearch",
    host_address=node_ip,
    dns_server=internal.dns_server,
    envs=["discovery.type=single-node", "ES_JAVA_OPTS=-Xms1g -Xmx1g", "xpack.security.enabled=false"],
    memory_mb=2048,
    ports=[
        {"internal": 9200, "name": "elasticsearch", "check": {"kind": "http", "path": "/_cluster/health"}},
        {"internal": 9300, "name": "elasticsearch-transport", "check": {"kind": "tcp"}},
    ],
    opts=on_host,
)

pulumi.export("globalApiAddress", global_server.api_address)
pulumi.export("caCertificate", ca.certificate_pem)
pulumi.export("internalDatacenter", internal.datacenter)
pulumi.export("serviceDnsNames", service.dns_names)
