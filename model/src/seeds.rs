//! The seeds' own words that the models answer to: key issues' requirements, solutions,
//! steps and Editor's Notes, quoted verbatim with their clause (`tests/seeds.rs` finds each
//! in `../shared/seeds/`). A handshake names the solutions it models and which of its
//! properties check each requirement ([`Solution`]); a variant names the notes or steps
//! whose question it answers (`VariantInfo::answers`). `msgin5g report` prints both.

/// A seed document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doc {
    /// `seeds/000`: TR 33.862 draft, security of MSGin5G.
    Tr33862,
    /// `seeds/001`: the contribution updating key issue #4 of TR 33.862.
    Ki4Update,
    /// `seeds/003`: the Rel-13 MTC security study (GROUPE, MONTE, AESE).
    Rel13Mtc,
    /// `seeds/004`: the contribution concluding key issue #2 of TR 33.862.
    Ki2Conclusion,
}

impl Doc {
    pub fn title(self) -> &'static str {
        match self {
            Doc::Tr33862 => "TR 33.862 draft (seeds/000)",
            Doc::Ki4Update => "key issue #4 update to TR 33.862 (seeds/001)",
            Doc::Rel13Mtc => "Rel-13 MTC security study (seeds/003)",
            Doc::Ki2Conclusion => "key issue #2 conclusion for TR 33.862 (seeds/004)",
        }
    }

    /// The file under `seeds/` whose text this is.
    pub fn file(self) -> &'static str {
        match self {
            Doc::Tr33862 => "000_1bfff5eb261a4c95.txt",
            Doc::Ki4Update => "001_f06984bb9230a1ca.txt",
            Doc::Rel13Mtc => "003_9b59e5b8109a64bf.txt",
            Doc::Ki2Conclusion => "004_53452513baa55ab3.txt",
        }
    }
}

/// A sentence of a seed, verbatim (up to runs of white space).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quote {
    pub doc: Doc,
    pub clause: &'static str,
    pub text: &'static str,
}

impl Quote {
    /// `<document> clause <clause>`.
    pub fn source(&self) -> String {
        format!("{} clause {}", self.doc.title(), self.clause)
    }
}

/// A requirement of a key issue (or, where the seed leaves its requirements FFS, a threat it
/// names) and the properties of a handshake that check it: it is met within a bound when
/// they all hold, broken where one is violated. `unchecked`: what of it the properties do
/// not cover ("" if nothing).
#[derive(Clone, Copy, Debug)]
pub struct Requirement {
    pub quote: Quote,
    pub by: &'static [&'static str],
    pub unchecked: &'static str,
}

/// `quote`, checked by the properties `by`.
pub const fn checked_by(quote: Quote, by: &'static [&'static str]) -> Requirement {
    Requirement {
        quote,
        by,
        unchecked: "",
    }
}

impl Requirement {
    /// The same, saying what the properties leave out.
    pub const fn except(self, unchecked: &'static str) -> Requirement {
        Requirement { unchecked, ..self }
    }
}

/// A solution of the seeds as a handshake models it: what it says it does, the variants
/// that model it (the first as proposed; empty: every variant of the handshake), and the
/// requirements of the key issues it addresses.
#[derive(Clone, Copy, Debug)]
pub struct Solution {
    pub name: &'static str,
    pub says: Quote,
    pub variants: &'static [&'static str],
    pub requirements: &'static [Requirement],
}

const fn q(doc: Doc, clause: &'static str, text: &'static str) -> Quote {
    Quote { doc, clause, text }
}

use Doc::*;

// TR 33.862 key issues (clause 5).
pub const KI1_TRANSPORT: Quote = q(
    Tr33862,
    "5.1.3",
    "Confidentiality protection, integrity protection and replay-protection shall be supported on the MSGin5G-1-4 interfaces.",
);
pub const KI2_MUTUAL_AUTH: Quote = q(
    Tr33862,
    "5.2.3",
    "MSGin5G Server and 5GMSGS Client shall be mutually authenticated over MSGin5G-1 Interface.",
);
pub const KI2_AUTHORIZED: Quote = q(
    Tr33862,
    "5.2.3",
    "The 5GMSGS client shall be authorized to access MSGin5G services.",
);
pub const KI3_AS: Quote = q(
    Tr33862,
    "5.3.3",
    "The system shall support mutual authentication and authorization between application server and MSGin5G server over MSGin5G-3 Interface.",
);
pub const KI4_NON_3GPP_GATEWAY: Quote = q(
    Ki4Update,
    "5.4.3",
    "MSGin5G shall support mutual authentication and authorization for communication between MSGin5G server and Non-3GPP message gateway.",
);
pub const KI4_LEGACY_GATEWAY: Quote = q(
    Ki4Update,
    "5.4.3",
    "MSGin5G shall support mutual authentication and authorization for communication between MSGin5G server and legacy 3GPP message gateway.",
);
pub const KI4_DETAILS: Quote = q(
    Ki4Update,
    "5.4.1",
    "During registration, the MSGin5G server should be able to verify the non-3GPP message Gateway , and legacy 3GPP message gateway otherwise malicious Gateway may connect to MSGin5G server, so that sensitive information such as 5GMSGS Client ID, service ID may leak out.",
);

// Solution #1 (clause 6.1).
pub const SOL1_SAYS: Quote = q(
    Tr33862,
    "6.1.1",
    "This solution uses SEAL server as an access token issuer and validator. SEAL Client authenticates with SEAL server as a result of which it receives access token using OpenID Connect protocol as specified in TS 33.434 [4].",
);
pub const SOL1_STEP1: Quote = q(
    Tr33862,
    "6.1.2",
    "Step 1: SIM-C establishes a secure tunnel with the SIM-S.",
);
pub const SOL1_STEP9: Quote = q(
    Tr33862,
    "6.1.2",
    "Step 9: 5GMSGS UE client gets the ID_Token and access token from the SIM-C.",
);
pub const SOL1_STEP10: Quote = q(
    Tr33862,
    "6.1.2",
    "Step 10: A secure IPSec tunnel is established between 5GMSGS UE client and MSGin5G server.",
);
pub const SOL1_STEP12: Quote = q(
    Tr33862,
    "6.1.2",
    "Step 12: The authorization check for the application registration request is performed by verification of the access token issued by the SIM-S. The MSGin5G server obtains the access token validation service from the SIM-S.",
);
pub const SOL1_NOTE_OPENID: Quote = q(
    Tr33862,
    "6.1.2",
    "Editor’s Note: Whether OpenID will be supported is FFS.",
);
pub const SOL1_NOTE_ASSOCIATION: Quote = q(
    Tr33862,
    "6.1.2",
    "Editor’s Note: How SIM-S associate SIM-C with 5GMSGS client is FFS.",
);
pub const SOL1_NOTE_TOKEN: Quote = q(
    Tr33862,
    "6.1.2",
    "Editor’s Note: What is inside the Access Token and its format is FFS.",
);

// Solution #2 (clause 6.2).
pub const SOL2_SAYS: Quote = q(
    Tr33862,
    "6.2.1",
    "This solution proposes to reuse the secondary authentication procedure for the authentication between the 5GMSGS Client and the MSGin5G server as specified in TS 33.501 [5].",
);
pub const SOL2_STEPS_3_6: Quote = q(
    Tr33862,
    "6.2.2",
    "3-6. The following steps 3, 4, 5, 6 are the same as in clause 11.1.2 of TS 33.501[5]. The secondary authentication procedure is performed. The SMF should trigger EAP Authentication procedure and perform the role of the EAP Authenticator. The MSGF is the EAP server (AAA) of the DN.",
);
pub const SOL2_STEPS_7_8: Quote = q(
    Tr33862,
    "6.2.2",
    "7-8. After the successful completion of the secondary authentication procedure, the MSGF sends EAP Success message to the SMF including the registration response.",
);

// Solution #3 (clause 6.3).
pub const SOL3_SAYS: Quote = q(
    Tr33862,
    "6.3.1",
    "As specified in SEAL specification TS 33.434[4], NDS/IP should be used for the data protection over MSGin5G-1 interface.",
);

// Solutions #4 and #5 (seeds/004, the conclusion on key issue #2).
pub const SOL4_SAYS: Quote = q(
    Ki2Conclusion,
    "3 (Rationale)",
    "Solution#4 uses AKMA procedure to achieve authentication and authorization between the MSGin5G Client and the MSGin5G Server.",
);
pub const SOL5_SAYS: Quote = q(
    Ki2Conclusion,
    "3 (Rationale)",
    "Solution#5 uses TLS-PSK based authentication solution and relys on SEAL client and server.",
);
pub const KI2_CONCLUSION: Quote = q(
    Ki2Conclusion,
    "7.X",
    "It is concluded to use solution#4 (mandatory) and solution#5 (optional) as the basis for normative work.",
);

// Rel-13 GROUPE: group message protection (clause 4.1).
pub const GROUP_NOTE_PER_UE_KEY: Quote = q(
    Rel13Mtc,
    "4.1.1",
    "Editor's Note: Individual session key establishment per UE in the group need to be considered and studied further.",
);
pub const GROUP_NOTE_GROUP_KEY: Quote = q(
    Rel13Mtc,
    "4.1.1",
    "Editor's Note: The same MTC group session key establishment for all UEs in the group need to be considered and studied further.",
);
pub const GROUP_MEMBER: Quote = q(
    Rel13Mtc,
    "4.1.3",
    "There should be a mechanism by which an UE can be verified as a legitimate member of an MTC Group.",
);
pub const GROUP_SCS_AUTHORIZED: Quote = q(
    Rel13Mtc,
    "4.1.3",
    "MTC-IWF should verify if the SCS is authorized to send group message to a given MTC group.",
);
pub const GROUP_DISTINGUISHED: Quote = q(
    Rel13Mtc,
    "4.1.3",
    "Network should be able to distinguish group message from other messages.",
);
pub const GROUP_PROTECTED: Quote = q(
    Rel13Mtc,
    "4.1.3",
    "Group message that are distributed to the group of UEs should be integrity protected, replay protected and may be confidentiality protected.",
);
pub const GROUP_LOCAL_ID: Quote = q(
    Rel13Mtc,
    "4.1.3",
    "Local Group ID should not to be exposed to an entity that is located outside of 3GPP network.",
);
pub const GROUP_SOL1_SAYS: Quote = q(
    Rel13Mtc,
    "4.1.4.1",
    "SCS should apply encryption, signature and replay protection to the group message.",
);
pub const GROUP_SOL1_NOTE_KEYS: Quote = q(
    Rel13Mtc,
    "4.1.4.1",
    "Editor's Note: It is FFS, whether key management for application layer based protection is within scope of 3GPP.",
);
pub const GROUP_SOL2_SAYS: Quote = q(
    Rel13Mtc,
    "4.1.4.2",
    "In network based protection, SCEF generates the keys for group message protection and protects the group message.",
);
pub const GROUP_SOL2_NOTE_KEY_HOLDER: Quote = q(
    Rel13Mtc,
    "4.1.4.2",
    "Editor's Note: Need to check with SA2 for the specific node in the 3GPP network responsible for group formation. Based on the SA2 decisions, other suitable network elements for group key generation and key management are FFS.",
);
pub const GROUP_SOL2_NOTE_SIGNATURE: Quote = q(
    Rel13Mtc,
    "4.1.4.2",
    "Editor's Note：Mechanisms for signature algorithm selection is FFS.",
);
pub const GROUP_SOL3_SAYS: Quote = q(
    Rel13Mtc,
    "4.1.4.3",
    "MBMS security can provide shared key for data transferring.",
);
pub const GROUP_SOL3_LIMITS: Quote = q(
    Rel13Mtc,
    "4.1.4.3",
    "Otherwise, when all UEs in one group need to be authenticated together, or UE wants to communicate with MTC application server/MTC SCS/network individually, or UEs wants to send uplink data, the current MBMS security solution can't be applied.",
);
pub const GROUP_SOL6_SAYS: Quote = q(
    Rel13Mtc,
    "4.1.4.6",
    "Similar as the authorisation mechanism defined in R12 device trigger, the MTC-IWF shall check if SCS is authorised to send group messages, then HSS shall further check if SCS is authorized to send a group message of specific service to a certain group identified by Group ID.",
);

// Rel-13 MONTE (clause 5).
pub const MONTE_LOCATION_MANAGEMENT: Quote = q(
    Rel13Mtc,
    "5.1.3",
    "It is required for the network to provide a location management mechanism for UEs that should not move from an authorized location, or should only move in an authorized area to detect if the device has been moved to an unauthorized location.",
);
pub const MONTE_SOL1_SAYS: Quote = q(
    Rel13Mtc,
    "5.1.4.1",
    "Then the network entity can confirm that the UE has moved to other area and will send a warning message to the MTC server, which can then take further action.",
);
pub const MONTE_NOTE_KI2: Quote = q(
    Rel13Mtc,
    "5.2.1",
    "Editor's Note: The applicability of Key issue 2 and related threats with respect to SA2 procedures is ffs.",
);
pub const MONTE_NOTE_REQUIREMENTS: Quote = q(
    Rel13Mtc,
    "5.2.3",
    "Editor's Note: The security requirements are ffs.",
);
pub const MONTE_THREAT_UNAUTHORIZED: Quote = q(
    Rel13Mtc,
    "5.2.2",
    "3rd party application providers could request and get the location information of a specific UE or information which UEs are present in a geographic area for UEs for which they are not authorized to get the information.",
);
pub const MONTE_THREAT_IDENTITIES: Quote = q(
    Rel13Mtc,
    "5.2.2",
    "When the location information of a specific UE or information which UEs are present in a geographic area is reported, UE specific identities, such as IMSI, could leak to a 3rd party application providers.",
);
pub const MONTE_THREAT_CONSENT: Quote = q(
    Rel13Mtc,
    "5.2.2",
    "Location information of a specific UE or information which UEs are present in a geographic area could be reported to 3rd party application providers without user consent.",
);
pub const MONTE_THREAT_AUTHORISED_LOCATIONS: Quote = q(
    Rel13Mtc,
    "5.2.2",
    "3rd  party application providers could request and get the  information of “authorised locations” and “unauthorised locations” for MTC devices  held in the network for  which they are not authorized to get the information.",
);

// Rel-13 AESE (clause 6.1, Annex A.2).
pub const AESE_MUTUAL_AUTH: Quote = q(
    Rel13Mtc,
    "6.1.4.1",
    "The 3GPP Network Entity and the SCEF shall be able to mutually authenticate each other.",
);
pub const AESE_AUTHORIZED: Quote = q(
    Rel13Mtc,
    "6.1.4.1",
    "The 3GPP Network Entity shall be able to determine whether the SCEF is authorized to send requests for network data from the 3GPP Network Entity, where authorization shall be per service per UE.",
);
pub const AESE_NOTE_AUTHORIZATION: Quote = q(
    Rel13Mtc,
    "6.1.4.1",
    "Editor’s Note: How to achieve authorization per service per UE is specific to application. Authorization for each of the reference points is FFS.",
);
pub const AESE_INTEGRITY: Quote = q(
    Rel13Mtc,
    "6.1.4.1",
    "The signalling messages between the 3GPP Network Entity and the SCEF shall be integrity protected.",
);
pub const AESE_CONFIDENTIALITY: Quote = q(
    Rel13Mtc,
    "6.1.4.1",
    "The signalling messages between the 3GPP Network Entity and the SCEF should be confidentiality protected.",
);
pub const AESE_REPLAY: Quote = q(
    Rel13Mtc,
    "6.1.4.1",
    "The signalling messages between the 3GPP Network Entity and the SCEF shall be protected from replays.",
);
pub const AESE_PRIVACY: Quote = q(
    Rel13Mtc,
    "6.1.4.1",
    "Ensure the privacy of the 3GPP user, in particular the 3GPP private user identity (IMSI/IMPI) shall not be sent outside the 3GPP domain.",
);
pub const AESE_A4: Quote = q(
    Rel13Mtc,
    "6.1.4.2",
    "When the Application is controlled by the 3GPP operator or by a business partner e.g. by another operator than the 3GPP operator controlling the 3GPP Network Entity or by a 3rd party, then the security requirements for this interface A4 are the same as for interface A1.",
);
pub const AESE_SOL1_SAYS: Quote = q(
    Rel13Mtc,
    "6.1.5.1.2",
    "If the individual instance of SCEF is not considered as 3GPP network function then this interface should be protected using mechanisms similar to Tsp in TS 33.187 [2] and MB2 in TS 33.246 [6], i.e. TLS/TCP, DTLS/SCTP or IKE/IPsec.",
);
pub const AUTHO4API_SAYS: Quote = q(
    Rel13Mtc,
    "A.2.2",
    "The solution uses authorization tokens that are issued by Authorization Server, and verified by the Access Control Server before the resource is exposed to the Autho4API Client [9].",
);
pub const AUTHO4API_NOTE: Quote = q(
    Rel13Mtc,
    "A.2.2",
    "Editor’s note: Detailed protocol steps, and other ways to deploy Autho4API are FFS.",
);
