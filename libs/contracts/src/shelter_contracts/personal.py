"""An evacuee's personal data, kept in one nested model so it can be encrypted as one unit."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Sex(StrEnum):
    """Sex as asked by the brief's forms (S12, S16.2)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class EvacueePersonal(BaseModel):
    """The personal facts of one evacuee (氏名・住所・生年月日・性別 and contacts, S12)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    family_name: Text = Field(description="Family name (姓)", examples=["山田"])
    given_name: Text = Field(description="Given name (名)", examples=["花子"])
    family_name_kana: OptionalText | None = Field(
        default=None, description="Family name in kana (セイ)", examples=["ヤマダ"]
    )
    given_name_kana: OptionalText | None = Field(
        default=None, description="Given name in kana (メイ)", examples=["ハナコ"]
    )
    address: Address = Field(
        description="Home address (住所)", examples=["東京都千代田区千代田1-1"]
    )
    date_of_birth: date = Field(description="Date of birth (生年月日)", examples=["1950-04-01"])
    sex: Sex = Field(description="Sex (性別)")
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9-]{6,20}$")] | None = Field(
        default=None, description="Phone number (電話番号), optional", examples=["090-1234-5678"]
    )
    email: EmailStr | None = Field(default=None, description="E-mail address, optional")
