"""Network: a VPC with public and private subnets in two AZs, NAT egress and gateway endpoints.

Production gets a NAT gateway per AZ (an AZ outage does not cut the other AZ's egress); the
other environments share one. That difference is the `MultiAzNat` parameter, not code. Every
accepted and rejected flow is logged to an encrypted log group.
"""

from __future__ import annotations

from dataclasses import dataclass

from awacs import logs as logs_actions
from awacs import sts
from awacs.aws import Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import GetAtt, GetAZs, If, Ref, Select, Sub, ec2, iam, kms

from templates_py.blueprint import Blueprint
from templates_py.logs import log_group
from templates_py.parameters import MULTI_AZ_NAT, is_true

VPC_CIDR = "10.0.0.0/16"
AZ_COUNT = 2
NAT_PER_AZ = "NatPerAz"


@dataclass(frozen=True)
class Network:
    vpc: ec2.VPC
    private_subnets: list[ec2.Subnet]
    private_route_tables: list[ec2.RouteTable]
    lambda_security_group: ec2.SecurityGroup


def _subnet(bp: Blueprint, tier: str, index: int, cidr: str, vpc: ec2.VPC) -> ec2.Subnet:
    return bp.add(ec2.Subnet(
        f"{tier}Subnet{index + 1}",
        VpcId=Ref(vpc),
        CidrBlock=cidr,
        AvailabilityZone=Select(index, GetAZs("")),
        MapPublicIpOnLaunch=False,
        Tags=bp.tags(f"payment-{tier.lower()}-{index + 1}"),
    ))


def _flow_logs(bp: Blueprint, vpc: ec2.VPC, key: kms.Key) -> None:
    group = log_group(bp, "FlowLogGroup", Sub("/aws/vpc/payment-vpc-${Environment}/flow-logs"), key)
    role = bp.add(iam.Role(
        "FlowLogRole",
        RoleName=bp.name("payment-flow-logs-role"),
        Description=Sub("Lets VPC flow logs of payment-vpc-${Environment} write to their log group"),
        AssumeRolePolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[Statement(
            Effect=Allow, Action=[sts.AssumeRole],
            Principal=Principal("Service", "vpc-flow-logs.amazonaws.com"),
            Condition=Condition(StringEquals("aws:SourceAccount", Sub("${AWS::AccountId}"))))]),
        Policies=[iam.Policy(PolicyName="write-flow-logs", PolicyDocument=PolicyDocument(
            Version="2012-10-17", Statement=[Statement(
                Effect=Allow, Resource=[GetAtt(group, "Arn")],
                Action=[logs_actions.CreateLogStream, logs_actions.PutLogEvents,
                        logs_actions.DescribeLogStreams])]))],
        Tags=bp.tags("payment-flow-logs-role"),
    ))
    flow_log = bp.add(ec2.FlowLog(
        "VpcFlowLog", ResourceId=Ref(vpc), ResourceType="VPC", TrafficType="ALL",
        LogDestinationType="cloud-watch-logs", LogGroupName=Ref(group),
        DeliverLogsPermissionArn=GetAtt(role, "Arn"), Tags=bp.tags("payment-vpc-flow-logs")))
    bp.output("FlowLogGroupName", Ref(group), "Log group of the VPC's flow logs.", group, "name")
    bp.output("FlowLogId", Ref(flow_log), "ID of the VPC's flow log.", flow_log, "id")


def add_network(bp: Blueprint, key: kms.Key) -> Network:
    bp.condition(NAT_PER_AZ, is_true(bp.inputs, MULTI_AZ_NAT))
    vpc = bp.add(ec2.VPC("Vpc", CidrBlock=VPC_CIDR, EnableDnsHostnames=True,
                         EnableDnsSupport=True, Tags=bp.tags("payment-vpc")))
    _flow_logs(bp, vpc, key)
    igw = bp.add(ec2.InternetGateway("InternetGateway", Tags=bp.tags("payment-igw")))
    attachment = bp.add(ec2.VPCGatewayAttachment("InternetGatewayAttachment", VpcId=Ref(vpc),
                                                 InternetGatewayId=Ref(igw)))

    public_rt = bp.add(ec2.RouteTable("PublicRouteTable", VpcId=Ref(vpc),
                                      Tags=bp.tags("payment-public-rt")))
    bp.add(ec2.Route("PublicDefaultRoute", RouteTableId=Ref(public_rt),
                     DestinationCidrBlock="0.0.0.0/0", GatewayId=Ref(igw),
                     DependsOn=attachment.title))

    public = [_subnet(bp, "Public", i, f"10.0.{i}.0/24", vpc) for i in range(AZ_COUNT)]
    private = [_subnet(bp, "Private", i, f"10.0.{10 + i}.0/24", vpc) for i in range(AZ_COUNT)]

    nats = []
    for i, subnet in enumerate(public):
        bp.add(ec2.SubnetRouteTableAssociation(f"PublicSubnet{i + 1}RouteTableAssociation",
                                               SubnetId=Ref(subnet), RouteTableId=Ref(public_rt)))
        extra = {} if i == 0 else {"Condition": NAT_PER_AZ}
        eip = bp.add(ec2.EIP(f"NatEip{i + 1}", Domain="vpc", Tags=bp.tags(f"payment-nat-{i + 1}"),
                             DependsOn=attachment.title, **extra))
        nats.append(bp.add(ec2.NatGateway(f"NatGateway{i + 1}", SubnetId=Ref(subnet),
                                          AllocationId=GetAtt(eip, "AllocationId"),
                                          Tags=bp.tags(f"payment-nat-{i + 1}"), **extra)))

    private_rts = []
    for i, subnet in enumerate(private):
        rt = bp.add(ec2.RouteTable(f"PrivateRouteTable{i + 1}", VpcId=Ref(vpc),
                                   Tags=bp.tags(f"payment-private-rt-{i + 1}")))
        nat = Ref(nats[0]) if i == 0 else If(NAT_PER_AZ, Ref(nats[i]), Ref(nats[0]))
        bp.add(ec2.Route(f"PrivateDefaultRoute{i + 1}", RouteTableId=Ref(rt),
                         DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat))
        bp.add(ec2.SubnetRouteTableAssociation(f"PrivateSubnet{i + 1}RouteTableAssociation",
                                               SubnetId=Ref(subnet), RouteTableId=Ref(rt)))
        private_rts.append(rt)

    for service in ("DynamoDb", "S3"):
        bp.add(ec2.VPCEndpoint(
            f"{service}GatewayEndpoint", VpcId=Ref(vpc), VpcEndpointType="Gateway",
            ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service.lower()}"),
            RouteTableIds=[Ref(rt) for rt in private_rts],
            Tags=bp.tags(f"payment-{service.lower()}-endpoint")))

    sg = bp.add(ec2.SecurityGroup(
        "LambdaSecurityGroup",
        GroupDescription="Payment platform Lambda functions: no inbound, HTTPS outbound only",
        VpcId=Ref(vpc),
        SecurityGroupEgress=[ec2.SecurityGroupRule(
            IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="0.0.0.0/0",
            Description="HTTPS to AWS APIs through the NAT gateway and gateway endpoints")],
        Tags=bp.tags("payment-lambda-sg"),
    ))

    bp.output("VpcId", Ref(vpc), "ID of the platform VPC.", vpc, "id")
    for i, subnet in enumerate(public + private):
        tier = "public" if i < AZ_COUNT else "private"
        bp.output(f"{subnet.title}Id", Ref(subnet),
                  f"ID of the {tier} subnet in the platform's AZ {i % AZ_COUNT + 1}.", subnet, "id")
    bp.output("LambdaSecurityGroupId", Ref(sg), "Security group of the Lambda functions.", sg, "id")
    return Network(vpc, private, private_rts, sg)
