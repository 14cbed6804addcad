"""One host of distributed-consul from Python, through the component package (as examples/yaml)."""
import pulumi
import pulumi_docker as docker
import pulumi_distributed_consul as consul

config = pulumi.Config()
node_ip = config.require("nodeIp")
docker_host = config.get("dockerHost") or "unix:///var/run/docker.sock"
gossip_key = config.require_secret("gossipKey")

host = docker.Provider("docker", host=docker_host)
on_host = pulumi.ResourceOptions(providers=[host])

global_server = consul.GlobalConsul(
    "global",
    node_name="node1",
    host_address=node_ip,
    bootstrap=True,
    gossip_key=gossip_key,
    opts=on_host,
)
internal = consul.InternalDc(
    "internal",
    node_name="node1",
    host_address=node_ip,
    datacenter="vm1",
    retry_join_wan=[global_server.wan_address],
    primary_datacenter=global_server.datacenter,
    gossip_key=gossip_key,
    opts=on_host,
)
consul.Registrator(
    "registratorGlobal",
    consul_address=global_server.local_http_address,
    container_name="registrator-dc1",
    options={"host_ip": node_ip},
    opts=on_host,
)
consul.Registrator(
    "registratorInternal",
    consul_address=internal.local_http_address,
    container_name="registrator-vm1",
    options={"internal": True},
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
pulumi.export("internalDatacenter", internal.datacenter)
pulumi.export("serviceDnsNames", service.dns_names)
