//! Diagnostics: the registry of stable error codes.
//!
//! Codes are grouped by stage in ranges and never reused once released:
//! `E01xx` loading the rules file, `E02xx` compiling it, `E03xx` evaluating a record,
//! `E04xx` reading Miradore, `E05xx` talking to MMS, `E06xx` the guards over a whole run. Every code is documented in `docs/errors.md`;
//! a test keeps the two in step.

use std::fmt;

macro_rules! codes {
    ($($variant:ident = $code:literal, $title:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(#[doc = $title] $variant,)*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed, e.g. `E0103`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// A one-line title, as in `docs/errors.md`.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }
        }
    };
}

codes! {
    YamlSyntax = "E0101", "the rules file is not valid YAML";
    WrongType = "E0102", "a value has the wrong type";
    UnknownKey = "E0103", "a key that the rules format does not have";
    MissingKey = "E0104", "a required key is missing";
    DuplicateKey = "E0105", "a key appears twice in one mapping";
    UnsupportedVersion = "E0106", "the rules format version is not supported";
    InvalidValue = "E0107", "a value is outside what the key accepts";
    UnreadableFile = "E0108", "a rules file cannot be read";
    ExpressionSyntax = "E0201", "a Rhai expression does not parse";
    UnknownVariable = "E0202", "an expression uses a name that is not a field";
    SelectorSyntax = "E0203", "a JSONPath selector does not parse";
    SelectorTooComplex = "E0204", "a JSONPath selector is too long or too deeply nested";
    DuplicateField = "E0205", "a field name is defined twice or hides another";
    UnknownFunction = "E0206", "an expression calls a function that does not exist";
    UnknownAttribute = "E0207", "a selector names an attribute Miradore is not known to return (a warning)";
    ExpressionRuntime = "E0301", "an expression failed while evaluating a device";
    Cardinality = "E0302", "a selector found a different number of values than declared";
    ResultType = "E0303", "an expression returned a value of the wrong type";
    NoIdentity = "E0304", "no identity key gave a valid value";
    MissingDeviceId = "E0305", "a device record has no ID";
    MalformedXml = "E0401", "a Miradore response is not well-formed XML";
    MiradoreError = "E0402", "Miradore answered with an error envelope";
    SnapshotUnreadable = "E0403", "a snapshot file or folder cannot be read";
    MiradoreUnauthorized = "E0404", "Miradore rejected the API key";
    MiradoreUnknownSite = "E0405", "the Miradore site name is wrong";
    MiradoreIncomplete = "E0406", "the Miradore fetch is incomplete";
    MiradoreSetup = "E0407", "the Miradore connection settings are unusable";
    MissingFromSoftwareQuery = "E0408", "a device is missing from the software query";
    MmsNotAuthorized = "E0501", "the MMS connector is not authorized yet";
    MmsDisabled = "E0502", "the MMS connector is disabled";
    MmsKeyRejected = "E0503", "MMS rejected the connector key";
    MmsUnreachable = "E0504", "MMS cannot be reached";
    MmsProtocol = "E0505", "MMS answered outside the connector protocol";
    MmsAnswered = "E0506", "MMS answered a request with an error";
    MmsBatchUnconfirmed = "E0507", "MMS did not confirm a batch of operations";
    MmsSetup = "E0508", "the MMS connection settings are unusable";
    RetirementBlocked = "E0601", "a guard blocked the retirements of this run";
}

impl fmt::Display for Code {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}
