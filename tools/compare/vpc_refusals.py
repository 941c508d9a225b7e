#!/usr/bin/env python3
"""Provoke VPC refusals against two endpoints and print what each answers.

Usage: vpc_refusals.py URL [URL ...]   (e.g. hakoniwa and moto_server)

Each case is run in a fresh VPC where it needs one; the table shows the
error code each endpoint gave, or "ok" when it accepted the call. Where the
endpoints differ, AWS's documentation decides (see the README's notes).
"""
import sys

import boto3
from botocore.exceptions import ClientError


def client(url):
    return boto3.client("ec2", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def code(fn):
    try:
        fn()
        return "ok"
    except ClientError as e:
        return e.response["Error"]["Code"]


def peering_status(ec2, vpc):
    other = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=other)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    got = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]["Status"]["Code"]
    raise ClientError({"Error": {"Code": "status " + got}}, "DescribeVpcPeeringConnections")


def cases(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(VpcId=vpc, GroupName="cmp", Description="cmp")["GroupId"]
    rule = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=rule)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    igw2 = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    return [
        ("CreateVpc /15", lambda: ec2.create_vpc(CidrBlock="10.0.0.0/15")),
        ("CreateVpc /29", lambda: ec2.create_vpc(CidrBlock="10.0.0.0/29")),
        ("CreateSubnet overlapping", lambda: ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.128/25")),
        ("CreateSubnet outside the VPC", lambda: ec2.create_subnet(VpcId=vpc, CidrBlock="10.99.0.0/24")),
        ("CreateSubnet unknown VPC", lambda: ec2.create_subnet(VpcId="vpc-0123456789abcdef0", CidrBlock="10.0.0.0/24")),
        ("DeleteVpc with a subnet", lambda: ec2.delete_vpc(VpcId=vpc)),
        ("AuthorizeIngress duplicate", lambda: ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=rule)),
        ("RevokeIngress absent rule", lambda: ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 23, "ToPort": 23, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])),
        ("CreateSecurityGroup duplicate name", lambda: ec2.create_security_group(VpcId=vpc, GroupName="cmp", Description="x")),
        ("DeleteSecurityGroup default", lambda: ec2.delete_security_group(GroupId=ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"])),
        ("AttachInternetGateway second to VPC", lambda: ec2.attach_internet_gateway(InternetGatewayId=igw2, VpcId=vpc)),
        ("DetachInternetGateway not attached", lambda: ec2.detach_internet_gateway(InternetGatewayId=igw2, VpcId=vpc)),
        ("CreateRoute existing destination", lambda: ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)),
        ("DeleteRoute absent", lambda: ec2.delete_route(RouteTableId=rtb, DestinationCidrBlock="192.168.0.0/16")),
        ("DeleteRoute local", lambda: ec2.delete_route(RouteTableId=rtb, DestinationCidrBlock="10.20.0.0/16")),
        ("ReleaseAddress unknown", lambda: ec2.release_address(AllocationId="eipalloc-0123456789abcdef0")),
        ("CreateNetworkAclEntry number 0", lambda: ec2.create_network_acl_entry(
            NetworkAclId=ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"], RuleNumber=0, Protocol="-1",
            RuleAction="allow", Egress=False, CidrBlock="0.0.0.0/0")),
        ("DeleteSubnet unknown", lambda: ec2.delete_subnet(SubnetId="subnet-0123456789abcdef0")),
        ("DescribeVpcs malformed id", lambda: ec2.describe_vpcs(VpcIds=["vpc-xyz"])),
        # AWS accepts the request; the connection then fails.
        ("CreateVpcPeering overlapping CIDRs: status", lambda: peering_status(ec2, vpc)),
        ("DryRun CreateVpc", lambda: ec2.create_vpc(CidrBlock="10.30.0.0/16", DryRun=True)),
    ]


def main(urls):
    results = {}
    names = []
    for url in urls:
        for name, fn in cases(client(url)):
            if name not in results:
                names.append(name)
                results[name] = {}
            results[name][url] = code(fn)
    print("| case | " + " | ".join(urls) + " |")
    print("|---" * (len(urls) + 1) + "|")
    for name in names:
        row = [results[name].get(u, "") for u in urls]
        mark = "" if len(set(row)) == 1 else " ≠"
        print(f"| {name}{mark} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
