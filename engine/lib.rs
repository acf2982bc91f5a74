//! mapper: moves device inventory from Miradore MDM into Miradore Management Suite.
#![forbid(unsafe_code)]
