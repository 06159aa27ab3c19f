//! Hubs: the places where sessions happen ("polo", "sede", "circle", "Municipio").

use serde::{Deserialize, Serialize};

use crate::ids::{HubId, RoomId, Tag};
use crate::person::Country;
use crate::tz::Zone;

/// A postal address. Only the country is required: the seeds do not always name a street.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and number, e.g. `Via Alfredo Calzoni 1/3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// Postcode (CAP), e.g. `40128`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// City, e.g. `Bologna`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Region as a tag, e.g. `emilia-romagna`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Tag>,
    /// Country.
    pub country: Country,
}

impl Address {
    /// One line as Italians write it: `Via Alfredo Calzoni 1/3, 40128 Bologna`.
    ///
    /// ```
    /// use skillhub_core::hub::Address;
    /// use skillhub_core::person::Country;
    /// let a = Address { street: Some("Viale Einaudi 15".into()), postcode: Some("70125".into()),
    ///     city: Some("Bari".into()), region: None, country: Country::parse("IT").unwrap() };
    /// assert_eq!(a.one_line(), "Viale Einaudi 15, 70125 Bari");
    /// ```
    pub fn one_line(&self) -> String {
        let place = [self.postcode.as_deref(), self.city.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let parts: Vec<&str> = [self.street.as_deref(), Some(place.as_str())]
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            self.country.name_it().to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// A room with a number of places ("aula").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Room {
    /// Id, unique within the hub.
    pub id: RoomId,
    /// Name shown to people.
    pub name: String,
    /// How many people it holds; in-person seats of a session in it never exceed this.
    pub capacity: u32,
}

/// A hub: address, IANA zone, rooms, and who runs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hub {
    /// Id, unique across all programs.
    pub id: HubId,
    /// Name shown to people.
    pub name: String,
    /// Where it is.
    pub address: Address,
    /// The zone its sessions' local times are in.
    pub zone: Zone,
    /// Rooms; may be empty when the seed names none.
    #[serde(default)]
    pub rooms: Vec<Room>,
    /// People or organisations that run it ("organizzatori", "referenti").
    #[serde(default)]
    pub organisers: Vec<String>,
    /// The partner organisation that runs it (an id of the program's `partners`), if named: the
    /// staff scoped to that partner reach its sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<Tag>,
}

impl Hub {
    /// The room with this id.
    pub fn room(&self, id: &RoomId) -> Option<&Room> {
        self.rooms.iter().find(|r| &r.id == id)
    }
}
