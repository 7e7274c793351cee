"""Libvirt secrets: ``<secret>`` definitions."""

from virtdrivers.libvirt import xml as vxml
from virtdrivers.tests.unit.libvirt.xml import xmltest

SECRET_UUID = "3d1ebba2-4b0c-4c7e-9d9a-7b1d6c0f2a11"


class TestSecret(xmltest.XMLTestCase):

    def test_ceph_secret_golden_valid_and_round_trip(self):
        secret = vxml.Secret.new(
            ephemeral=False, private=True, uuid=SECRET_UUID, usage_type="ceph",
            usage_name="client.nova secret", description="Ceph key of client.nova")
        self.assertXMLEqual(
            "<secret ephemeral='no' private='yes'>"
            "<description>Ceph key of client.nova</description>"
            "<uuid>%s</uuid>"
            "<usage type='ceph'><name>client.nova secret</name></usage>"
            "</secret>" % SECRET_UUID,
            secret.to_xml())
        self.assertValid(secret.to_xml(), "secret")
        copy = self.assertRoundTrip(secret)
        self.assertEqual((False, True, SECRET_UUID, "ceph", "client.nova secret"),
                         (copy.ephemeral, copy.private, copy.uuid,
                          copy.usage_type, copy.usage_name))

    def test_usage_not_modelled_survives_a_round_trip(self):
        # A volume secret as libvirt reports it: <volume> has no property.
        text = ("<secret ephemeral='no' private='no'><uuid>%s</uuid>"
                "<usage type='volume'><volume>/var/lib/libvirt/images/a.img"
                "</volume></usage></secret>" % SECRET_UUID)
        secret = vxml.Secret.from_xml(text)
        self.assertEqual(("volume", None, False),
                         (secret.usage_type, secret.usage_name, secret.private))
        self.assertXMLEqual(text, secret.to_xml())
        self.assertValid(secret.to_xml(), "secret")
        self.assertRoundTrip(secret)

    def test_schema_refuses_a_ceph_usage_without_a_name(self):
        secret = vxml.Secret.new(uuid=SECRET_UUID, usage_type="ceph")
        self.assertRaises(AssertionError, self.assertValid, secret.to_xml(),
                          "secret")
