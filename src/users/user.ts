export interface User {
  id: number;
  connectionId: number;
  email: string;
  emailVerified: boolean;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  nickname: string | null;
  blocked: boolean;
  passwordHash: string | null;
  passwordChangedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  email: string;
  emailVerified?: boolean;
  name?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  nickname?: string | null;
  blocked?: boolean;
  passwordHash?: string | null;
}
