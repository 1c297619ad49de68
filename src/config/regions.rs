//! The AWS regions rdsplan knows: those of the partitions the AWS SDK for Rust ships (its
//! endpoint resolver's partitions.json, as in aws-sdk-rds 1.159: aws, aws-cn, aws-eusc,
//! aws-iso*, aws-us-gov). A region outside them fails validate, before any call: the SDK
//! would otherwise send the request to a host that does not exist, or to one that answers
//! with a page, not an error document. Update the list with the SDK crates.

pub const REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "cn-north-1",
    "cn-northwest-1",
    "eusc-de-east-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-isob-west-1",
    "eu-isoe-west-1",
    "us-isof-east-1",
    "us-isof-south-1",
    "us-gov-east-1",
    "us-gov-west-1",
];

/// `Ok` for a known region, else the closest known one, if any is close.
pub fn check(region: &str) -> Result<(), Option<&'static str>> {
    if REGIONS.contains(&region) {
        return Ok(());
    }
    Err(REGIONS
        .iter()
        .map(|r| (strsim::levenshtein(r, region), *r))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, r)| r))
}
