//! Social-media processing (UM): the six forms and the approved channels (SOC-1, SOC-2).

use super::vocabulary;

vocabulary! {
    /// The six forms of social-media processing of the UM guideline.
    SocialProcessing ("social_processing") {
        Collect => "social_collect", "Collecting", "Verzamelen van persoonsgegevens", "UM 4.1", Some("https://w3id.org/dpv#Collect");
        Post => "social_post", "Posting content", "Plaatsen van content", "UM 4.2", Some("https://w3id.org/dpv#Disseminate");
        Analyse => "social_analyse", "Analysis and profiling", "Analyse en profilering", "UM 4.3", Some("https://w3id.org/dpv#Analyse");
        Retarget => "social_retarget", "Retargeting and recruitment", "Retargeting en werving", "UM 4.4", Some("https://w3id.org/dpv#TargetedAdvertising");
        ReputationMonitoring => "social_reputation_monitoring", "Reputation monitoring (third party)", "Reputatiemonitoring (derde partij)", "UM 5", Some("https://w3id.org/dpv#Monitor");
        WhatsappBroadcast => "social_whatsapp_broadcast", "WhatsApp one-way broadcast", "WhatsApp als eenzijdig communicatiekanaal", "UM 6", Some("https://w3id.org/dpv#CommunicationManagement");
    }
}

vocabulary! {
    /// A social-media channel. The first seven are the approved channels of UM 2; `other`
    /// records a channel that is not approved, so the checks can flag it.
    SocialChannel ("social_channel") {
        Facebook => "facebook", "Facebook", "Facebook", "UM 2", None;
        X => "x", "X", "X", "UM 2", None;
        Linkedin => "linkedin", "LinkedIn", "LinkedIn", "UM 2", None;
        Instagram => "instagram", "Instagram", "Instagram", "UM 2", None;
        Youtube => "youtube", "YouTube", "YouTube", "UM 2", None;
        Tiktok => "tiktok", "TikTok", "TikTok", "UM 2", None;
        WhatsappBusiness => "whatsapp_business", "WhatsApp Business (one-way)", "WhatsApp Business (eenzijdig)", "UM 2, 6", None;
        Other => "other_channel", "Another channel (not approved)", "Ander kanaal (niet toegestaan)", "UM 2", None;
    }
}
