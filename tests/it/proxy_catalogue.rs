//! What moto lacks and the plan's checks read: the engine defaults of a family
//! (DescribeEngineDefaultParameters, which moto answers with HTTP 500) and the versions of an
//! engine (DescribeDBEngineVersions, likewise), answered by the test proxy as AWS answers them,
//! from a small catalogue of real names.

/// (family, [(parameter, apply type)]).
const PARAMETERS: &[(&str, &[(&str, &str)])] = &[
    (
        "postgres16",
        &[
            ("max_connections", "static"),
            ("shared_buffers", "static"),
            ("work_mem", "dynamic"),
            ("log_min_duration_statement", "dynamic"),
            ("rds.force_ssl", "dynamic"),
        ],
    ),
    (
        "mysql8.0",
        &[
            ("max_connections", "dynamic"),
            ("slow_query_log", "dynamic"),
            ("long_query_time", "dynamic"),
            ("innodb_buffer_pool_size", "static"),
        ],
    ),
];

/// (engine, versions).
const VERSIONS: &[(&str, &[&str])] = &[
    ("postgres", &["15.8", "16.3", "16.4", "16.6", "17.2"]),
    ("mysql", &["8.0.36", "8.0.39", "8.0.40", "8.4.3"]),
    ("aurora-postgresql", &["15.8", "16.6"]),
    ("aurora-mysql", &["8.0.mysql_aurora.3.05.2"]),
];

fn ok(action: &str, result: String) -> Vec<u8> {
    let body = format!(
        "<{action}Response xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></{action}Response>"
    );
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The answer to `action`, when it is one of the two, given the request's parameter.
pub fn answer(action: &str, param: impl Fn(&str) -> Option<String>) -> Option<Vec<u8>> {
    match action {
        "DescribeEngineDefaultParameters" => {
            let family = param("DBParameterGroupFamily").unwrap_or_default();
            let params: String = PARAMETERS
                .iter()
                .filter(|(f, _)| *f == family)
                .flat_map(|(_, p)| p.iter())
                .map(|(name, apply)| {
                    let method = if *apply == "static" { "pending-reboot" } else { "immediate" };
                    format!("<Parameter><ParameterName>{name}</ParameterName><ApplyType>{apply}</ApplyType><IsModifiable>true</IsModifiable><Source>engine-default</Source><ApplyMethod>{method}</ApplyMethod></Parameter>")
                })
                .collect();
            Some(ok(
                action,
                format!("<EngineDefaults><DBParameterGroupFamily>{family}</DBParameterGroupFamily><Parameters>{params}</Parameters></EngineDefaults>"),
            ))
        }
        "DescribeDBEngineVersions" => {
            let engine = param("Engine").unwrap_or_default();
            let versions: String = VERSIONS
                .iter()
                .filter(|(e, _)| *e == engine)
                .flat_map(|(_, v)| v.iter())
                .map(|v| format!("<DBEngineVersion><Engine>{engine}</Engine><EngineVersion>{v}</EngineVersion></DBEngineVersion>"))
                .collect();
            Some(ok(
                action,
                format!("<DBEngineVersions>{versions}</DBEngineVersions>"),
            ))
        }
        _ => None,
    }
}
