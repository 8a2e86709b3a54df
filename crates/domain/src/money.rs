//! Amounts of money. Stored as whole euro cents so sums and exports are exact; formatting and
//! parsing follow French conventions because every amount is shown to French families.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

/// Narrow no-break space: the French thousands separator, which never wraps across lines.
const THOUSANDS_SEPARATOR: char = '\u{202F}';
/// No-break space before the currency sign, so "€" never ends up alone on a line.
const CURRENCY_SPACE: char = '\u{00A0}';

/// An amount in euro cents (may be negative: refunds, credits, balances).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// "1 234,50 €" with typographic French spaces, for pages and mails.
    pub fn to_french(&self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let (euros, cents) = self.euros_and_cents();
        format!(
            "{sign}{},{cents:02}{CURRENCY_SPACE}€",
            group_thousands(euros)
        )
    }

    /// "1234,50": no grouping nor currency sign, so spreadsheets opened in French read the
    /// CSV export as numbers.
    pub fn to_decimal_comma(&self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let (euros, cents) = self.euros_and_cents();
        format!("{sign}{euros},{cents:02}")
    }

    /// Absolute value split into euros and cents; unsigned so `i64::MIN` needs no special case.
    fn euros_and_cents(self) -> (u64, u64) {
        let magnitude = self.0.unsigned_abs();
        (magnitude / 100, magnitude % 100)
    }
}

fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(THOUSANDS_SEPARATOR);
        }
        grouped.push(digit);
    }
    grouped
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_french())
    }
}

impl Add for Cents {
    type Output = Cents;
    fn add(self, rhs: Cents) -> Cents {
        Cents(self.0 + rhs.0)
    }
}

impl AddAssign for Cents {
    fn add_assign(&mut self, rhs: Cents) {
        self.0 += rhs.0;
    }
}

impl Sub for Cents {
    type Output = Cents;
    fn sub(self, rhs: Cents) -> Cents {
        Cents(self.0 - rhs.0)
    }
}

impl SubAssign for Cents {
    fn sub_assign(&mut self, rhs: Cents) {
        self.0 -= rhs.0;
    }
}

impl Neg for Cents {
    type Output = Cents;
    fn neg(self) -> Cents {
        Cents(-self.0)
    }
}

/// Unit price times a quantity (number of meals, of hours…).
impl Mul<i64> for Cents {
    type Output = Cents;
    fn mul(self, quantity: i64) -> Cents {
        Cents(self.0 * quantity)
    }
}

impl Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        iter.fold(Cents::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Cents> for Cents {
    fn sum<I: Iterator<Item = &'a Cents>>(iter: I) -> Cents {
        iter.copied().sum()
    }
}

/// Why an amount typed by a user was refused. Messages are shown as is in forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("Montant manquant : saisissez un montant (ex. 12,50).")]
    Empty,
    #[error("Montant invalide : utilisez des chiffres, avec au plus deux décimales (ex. 12,50).")]
    Invalid,
    #[error("Montant invalide : pas plus de deux chiffres après la virgule (ex. 12,50).")]
    TooManyDecimals,
    #[error("Montant trop élevé.")]
    TooLarge,
}

/// Parses an amount as people type it: "12", "12,5", "12.50", "1 234,50 €", "-3,20".
///
/// Spaces (including no-break ones) are accepted only as thousands separators between groups
/// of three digits, so "12 50" is refused instead of being read as 1 250 €. A dot is a decimal
/// separator, never a thousands one, hence "1.234" is refused (three decimals).
pub fn parse_euros(s: &str) -> Result<Cents, MoneyError> {
    let text = s.trim();
    if text.is_empty() {
        return Err(MoneyError::Empty);
    }
    let text = text.strip_suffix('€').map_or(text, str::trim_end);
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };

    let (integer_part, decimal_part) = match text.split_once([',', '.']) {
        Some((integer, decimals)) => (integer, Some(decimals)),
        None => (text, None),
    };
    let euros = parse_grouped_integer(integer_part)?;
    let cents = match decimal_part {
        Some(decimals) => parse_decimals(decimals)?,
        None => 0,
    };

    let magnitude = euros
        .checked_mul(100)
        .and_then(|c| c.checked_add(cents))
        .ok_or(MoneyError::TooLarge)?;
    Ok(Cents(if negative { -magnitude } else { magnitude }))
}

/// "1234" or "1 234 567" (any Unicode space between groups of three digits).
fn parse_grouped_integer(text: &str) -> Result<i64, MoneyError> {
    let groups: Vec<&str> = text.split(char::is_whitespace).collect();
    let well_grouped = match groups.as_slice() {
        [single] => !single.is_empty(),
        [first, rest @ ..] => (1..=3).contains(&first.len()) && rest.iter().all(|g| g.len() == 3),
        [] => false,
    };
    if !well_grouped || !groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit())) {
        return Err(MoneyError::Invalid);
    }
    groups
        .iter()
        .try_fold(0i64, |total, group| {
            group.bytes().try_fold(total, |acc, digit| {
                acc.checked_mul(10)?.checked_add(i64::from(digit - b'0'))
            })
        })
        .ok_or(MoneyError::TooLarge)
}

/// One or two digits after the separator, returned as cents ("5" is 50 cents).
fn parse_decimals(text: &str) -> Result<i64, MoneyError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MoneyError::Invalid);
    }
    match text.as_bytes() {
        [tenths] => Ok(i64::from(tenths - b'0') * 10),
        [tenths, hundredths] => Ok(i64::from(tenths - b'0') * 10 + i64::from(hundredths - b'0')),
        _ => Err(MoneyError::TooManyDecimals),
    }
}

/// How a porte-monnaie is paid: invoiced each month for what was consumed, or from a
/// credit bought in advance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BillingMode {
    Facturation,
    Prepaiement,
}

impl BillingMode {
    /// The stored form, also the activity form's value.
    pub fn code(self) -> &'static str {
        match self {
            BillingMode::Facturation => "facturation",
            BillingMode::Prepaiement => "prepaiement",
        }
    }

    pub fn from_code(code: &str) -> Option<BillingMode> {
        [BillingMode::Facturation, BillingMode::Prepaiement]
            .into_iter()
            .find(|m| m.code() == code)
    }

    /// What the pages call it, beside the porte-monnaie's name.
    pub fn label(self) -> &'static str {
        match self {
            BillingMode::Facturation => "facturation",
            BillingMode::Prepaiement => "prépaiement",
        }
    }

    pub fn is_prepaid(self) -> bool {
        self == BillingMode::Prepaiement
    }
}

/// The providers accept from 1 € (PayFiP's floor) to a ceiling no family bill reaches.
pub const MIN_AMOUNT: Cents = Cents(100);
pub const MAX_AMOUNT: Cents = Cents(1_000_000);

/// Why a choice cannot be paid; each has the sentence the family reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentRefusal {
    NothingChosen,
    UnknownInvoice,
    AlreadyPaid(String),
    InProgress(String),
    NotPrepaid,
    TooSmall,
    TooLarge,
}

impl PaymentRefusal {
    pub fn message(&self) -> String {
        match self {
            PaymentRefusal::NothingChosen => "Cochez au moins une facture à régler.".into(),
            PaymentRefusal::UnknownInvoice => {
                "Cette facture n'existe pas ou ne concerne pas votre famille.".into()
            }
            PaymentRefusal::AlreadyPaid(number) => format!("La facture {number} est déjà réglée."),
            PaymentRefusal::InProgress(number) => format!(
                "Un paiement de la facture {number} est déjà en cours. S'il n'a pas abouti, vous pourrez le recommencer dans 20 minutes."
            ),
            PaymentRefusal::NotPrepaid => {
                "Ce porte-monnaie ne peut pas être crédité : ses activités sont facturées.".into()
            }
            PaymentRefusal::TooSmall => format!(
                "Le paiement en ligne est possible à partir de {}.",
                MIN_AMOUNT.to_french()
            ),
            PaymentRefusal::TooLarge => format!(
                "Le paiement en ligne est limité à {} par paiement.",
                MAX_AMOUNT.to_french()
            ),
        }
    }
}

/// Why a counter payment cannot be recorded; each has the sentence the gestionnaire reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CounterRefusal {
    UnknownFamily,
    NotPositive,
    TooLarge,
    ChequeNumber,
    NothingOwed,
    UnknownInvoice,
    AlreadyPaid(String),
    /// More than the chosen invoices owe.
    MoreThanOwed(Cents),
    NotPrepaid,
}

impl CounterRefusal {
    pub fn message(&self) -> String {
        match self {
            CounterRefusal::UnknownFamily => {
                "Cette famille n'est pas connue de la structure.".into()
            }
            CounterRefusal::NotPositive => "Indiquez un montant supérieur à zéro.".into(),
            CounterRefusal::TooLarge => {
                format!("Un règlement est limité à {}.", MAX_AMOUNT.to_french())
            }
            CounterRefusal::ChequeNumber => "Indiquez le numéro du chèque.".into(),
            CounterRefusal::NothingOwed => {
                "Cette famille n'a aucune facture à régler : créditez un porte-monnaie prépayé."
                    .into()
            }
            CounterRefusal::UnknownInvoice => {
                "Cette facture n'existe pas ou ne concerne pas cette famille.".into()
            }
            CounterRefusal::AlreadyPaid(number) => format!("La facture {number} est déjà réglée."),
            CounterRefusal::MoreThanOwed(owed) => format!(
                "Le montant dépasse ce que doivent les factures choisies ({}) : saisissez au plus ce montant, ou créditez un porte-monnaie prépayé.",
                owed.to_french()
            ),
            CounterRefusal::NotPrepaid => {
                "Choisissez un porte-monnaie prépayé de la structure.".into()
            }
        }
    }

    /// The form field the message belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            CounterRefusal::UnknownFamily => "famille",
            CounterRefusal::NotPositive
            | CounterRefusal::TooLarge
            | CounterRefusal::MoreThanOwed(_) => "montant",
            CounterRefusal::ChequeNumber => "reference",
            CounterRefusal::NothingOwed
            | CounterRefusal::UnknownInvoice
            | CounterRefusal::AlreadyPaid(_)
            | CounterRefusal::NotPrepaid => "affectation",
        }
    }
}

/// What an invoice still owes, in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoiceState {
    Paid,
    Due,
    PartlyPaid,
}

impl InvoiceState {
    /// An invoice of `amount` that still owes `owed`.
    pub fn of(amount: Cents, owed: Cents) -> InvoiceState {
        if owed.0 <= 0 {
            InvoiceState::Paid
        } else if owed == amount {
            InvoiceState::Due
        } else {
            InvoiceState::PartlyPaid
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InvoiceState::Paid => "Réglée",
            InvoiceState::Due => "À régler",
            InvoiceState::PartlyPaid => "Partiellement réglée",
        }
    }
}

/// What a payment that credits a prepaid wallet is for, on its receipt and in the lists.
pub fn wallet_credit(wallet: &str) -> String {
    format!("Crédit du porte-monnaie {wallet}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invoice_is_due_partly_paid_or_paid_by_what_it_still_owes() {
        assert_eq!(InvoiceState::of(Cents(900), Cents(900)), InvoiceState::Due);
        assert_eq!(
            InvoiceState::of(Cents(900), Cents(400)),
            InvoiceState::PartlyPaid
        );
        assert_eq!(InvoiceState::of(Cents(900), Cents(0)), InvoiceState::Paid);
        assert_eq!(
            wallet_credit("Restauration"),
            "Crédit du porte-monnaie Restauration"
        );
    }

    #[test]
    fn billing_modes_are_read_back_from_their_codes() {
        for mode in [BillingMode::Facturation, BillingMode::Prepaiement] {
            assert_eq!(BillingMode::from_code(mode.code()), Some(mode));
        }
        assert_eq!(BillingMode::from_code("prépaiement"), None);
        assert!(BillingMode::Prepaiement.is_prepaid());
    }

    #[test]
    fn french_formatting() {
        assert_eq!(Cents(123_450).to_french(), "1\u{202F}234,50\u{A0}€");
        assert_eq!(Cents(-1_200).to_french(), "-12,00\u{A0}€");
        assert_eq!(Cents(0).to_french(), "0,00\u{A0}€");
        assert_eq!(Cents(5).to_french(), "0,05\u{A0}€");
        assert_eq!(Cents(-5).to_french(), "-0,05\u{A0}€");
        assert_eq!(Cents(99_999).to_french(), "999,99\u{A0}€");
        assert_eq!(Cents(100_000).to_french(), "1\u{202F}000,00\u{A0}€");
        assert_eq!(
            Cents(12_345_678_900).to_french(),
            "123\u{202F}456\u{202F}789,00\u{A0}€"
        );
        assert_eq!(Cents(350).to_string(), "3,50\u{A0}€");
        assert!(Cents(i64::MIN).to_french().starts_with("-92\u{202F}233"));
    }

    #[test]
    fn decimal_comma_formatting() {
        assert_eq!(Cents(123_450).to_decimal_comma(), "1234,50");
        assert_eq!(Cents(-1_200).to_decimal_comma(), "-12,00");
        assert_eq!(Cents(7).to_decimal_comma(), "0,07");
        assert_eq!(Cents(-7).to_decimal_comma(), "-0,07");
    }

    #[test]
    fn arithmetic() {
        let mut total = Cents(350) + Cents(1_000) - Cents(50);
        assert_eq!(total, Cents(1_300));
        total += Cents(100);
        total -= Cents(400);
        assert_eq!(total, Cents(1_000));
        assert_eq!(-total, Cents(-1_000));
        assert_eq!(Cents(350) * 4, Cents(1_400));
        let prices = [Cents(350), Cents(420), Cents(-70)];
        assert_eq!(prices.iter().sum::<Cents>(), Cents(700));
        assert_eq!(prices.into_iter().sum::<Cents>(), Cents(700));
        assert_eq!(std::iter::empty::<Cents>().sum::<Cents>(), Cents::ZERO);
        assert!(Cents(-1) < Cents::ZERO);
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(parse_euros("12"), Ok(Cents(1_200)));
        assert_eq!(parse_euros("12,5"), Ok(Cents(1_250)));
        assert_eq!(parse_euros("12,50"), Ok(Cents(1_250)));
        assert_eq!(parse_euros("12.50"), Ok(Cents(1_250)));
        assert_eq!(parse_euros("12,05"), Ok(Cents(1_205)));
        assert_eq!(parse_euros("0,99"), Ok(Cents(99)));
        assert_eq!(parse_euros(" 1 234,50 €"), Ok(Cents(123_450)));
        assert_eq!(parse_euros("1\u{A0}234,50\u{A0}€"), Ok(Cents(123_450)));
        assert_eq!(
            parse_euros("1\u{202F}234\u{202F}567"),
            Ok(Cents(123_456_700))
        );
        assert_eq!(parse_euros("12€"), Ok(Cents(1_200)));
        assert_eq!(parse_euros("1234,50"), Ok(Cents(123_450)));
        assert_eq!(parse_euros("-12,00 €"), Ok(Cents(-1_200)));
    }

    #[test]
    fn round_trips_its_own_output() {
        for cents in [0, 5, 99, 1_200, 123_450, -1_200, 100_000_000] {
            assert_eq!(parse_euros(&Cents(cents).to_french()), Ok(Cents(cents)));
            assert_eq!(
                parse_euros(&Cents(cents).to_decimal_comma()),
                Ok(Cents(cents))
            );
        }
    }

    #[test]
    fn refuses_bad_amounts() {
        assert_eq!(parse_euros(""), Err(MoneyError::Empty));
        assert_eq!(parse_euros("  \u{A0} "), Err(MoneyError::Empty));
        assert_eq!(parse_euros("12,505"), Err(MoneyError::TooManyDecimals));
        assert_eq!(parse_euros("1.234"), Err(MoneyError::TooManyDecimals));
        for bad in [
            "€",
            "abc",
            "12a",
            "12,",
            ",50",
            "12,5a",
            "1,2,3",
            "12,50.1",
            "12 50",
            "1 2345",
            "1234 567",
            "1  234",
            "- 12",
            "--12",
            "+12",
            "12 €€",
            "€12",
            "1e3",
            "١٢",
        ] {
            assert_eq!(parse_euros(bad), Err(MoneyError::Invalid), "{bad:?}");
        }
        assert_eq!(
            parse_euros("99999999999999999999"),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(
            parse_euros("92233720368547758,08"),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn error_messages_are_french() {
        assert_eq!(
            MoneyError::Invalid.to_string(),
            "Montant invalide : utilisez des chiffres, avec au plus deux décimales (ex. 12,50)."
        );
        assert!(
            MoneyError::Empty
                .to_string()
                .starts_with("Montant manquant")
        );
    }
}

/// How the money came, as `payments.mode` stores it: online by card, or at the counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentMode {
    Carte,
    Especes,
    Cheque,
    Cesu,
    Virement,
}

impl PaymentMode {
    /// The modes a régisseur records at the counter.
    pub const AT_COUNTER: [PaymentMode; 4] = [
        PaymentMode::Especes,
        PaymentMode::Cheque,
        PaymentMode::Cesu,
        PaymentMode::Virement,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PaymentMode::Carte => "carte",
            PaymentMode::Especes => "especes",
            PaymentMode::Cheque => "cheque",
            PaymentMode::Cesu => "cesu",
            PaymentMode::Virement => "virement",
        }
    }

    pub fn from_code(code: &str) -> Option<PaymentMode> {
        [PaymentMode::Carte]
            .into_iter()
            .chain(PaymentMode::AT_COUNTER)
            .find(|m| m.code() == code)
    }

    /// « Chèque »
    pub fn label(self) -> &'static str {
        match self {
            PaymentMode::Carte => "Carte bancaire",
            PaymentMode::Especes => "Espèces",
            PaymentMode::Cheque => "Chèque",
            PaymentMode::Cesu => "CESU",
            PaymentMode::Virement => "Virement",
        }
    }

    /// How a receipt says it: « Nous avons bien reçu votre paiement par chèque ».
    pub fn how(self) -> &'static str {
        match self {
            PaymentMode::Carte => "par carte bancaire",
            PaymentMode::Especes => "en espèces",
            PaymentMode::Cheque => "par chèque",
            PaymentMode::Cesu => "par CESU",
            PaymentMode::Virement => "par virement",
        }
    }
}
